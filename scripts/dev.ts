// `make dev`: PostgreSQL (embedded, unless *_DATABASE_URL are set), Temporal with its Web UI (unless
// TEMPORAL_ADDRESS is set), a mail inbox (unless SMTP_URL is set), migrations, the worker and the four
// APIs, with prefixed logs. Ctrl-C stops the APIs and worker first (they drain), then the inbox,
// Temporal and PostgreSQL. Data stays in .data/.
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { ensureDemoAccounts } from '../core/auth/accounts-admin.js';
import { createPasswordHasher } from '../core/auth/passwords.js';
import { codecEndpointForUi, temporalCodecUiSecret } from '../temporal/codec-address.js';
import { DEFAULT_PORTS, loadConfig, SERVICES, type ServiceName } from '../config/index.js';
import { migrate } from '../db/migrate.js';
import { createDatabasePool } from '../db/pool.js';
import { DEV_POSTGRES_PORT, type EmbeddedCluster, startEmbeddedPostgres } from './lib/postgres.js';
import { type DevInbox, startDevMail } from './lib/dev-inbox.js';
import { findProcesses, stopProcesses } from './lib/leftovers.js';
import { isPortInUse } from './lib/ports.js';
import { type ManagedProcess, prefixer, startProcess, waitForHealthy } from './lib/processes.js';
import { startTemporalDevServer, type TemporalDevServer } from './lib/temporal-dev-server.js';

if (existsSync('.env')) process.loadEnvFile('.env');
const dataDir = resolve('.data');
mkdirSync(dataDir, { recursive: true });
const env: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: process.env.NODE_ENV ?? 'development',
  STORAGE_ROOT: process.env.STORAGE_ROOT ?? resolve(dataDir, 'storage'),
  AUTH_SIGNING_KEYS_FILE: process.env.AUTH_SIGNING_KEYS_FILE ?? resolve(dataDir, 'auth-signing-keys.json'),
  URL_SIGNING_SECRET_FILE: process.env.URL_SIGNING_SECRET_FILE ?? resolve(dataDir, 'url-signing-secret'),
  TEMPORAL_PAYLOAD_KEYS_FILE: process.env.TEMPORAL_PAYLOAD_KEYS_FILE ?? resolve(dataDir, 'temporal-payload-keys.json'),
  TEMPORAL_CODEC_UI_SECRET_FILE: process.env.TEMPORAL_CODEC_UI_SECRET_FILE ?? resolve(dataDir, 'temporal-codec-ui-secret'),
};
const say = prefixer('dev');
const port = (service: ServiceName) => Number(env[`${service.toUpperCase()}_PORT`] ?? DEFAULT_PORTS[service]);
const children: ManagedProcess[] = [];
let postgres: EmbeddedCluster | undefined;
let temporal: TemporalDevServer | undefined;
let inbox: DevInbox | undefined;
let stopping = false;

/** Stops what a killed `make dev` left running on our data (SIGINT is PostgreSQL's fast shutdown). */
async function stopLeftovers(what: string, commandLine: string[], signal: NodeJS.Signals) {
  const pids = findProcesses(commandLine);
  if (!pids.length) return;
  say(`stopping the ${what} a previous make dev left running (pid ${pids.join(', ')})`);
  await stopProcesses(pids, signal);
}

/** PostgreSQL narrates its start-up at length; keep only what needs attention. */
function onlyProblems(print: (line: string) => void) {
  return (line: string) => {
    if (/\b(ERROR|FATAL|PANIC|WARNING):/.test(line)) print(line);
  };
}

async function stopAll(code: number): Promise<never> {
  if (stopping) process.exit(code);
  stopping = true;
  say('stopping: APIs and worker drain first');
  await Promise.all(children.map((child) => child.stop()));
  await inbox?.stop();
  await temporal?.stop();
  await postgres?.stop();
  say('everything stopped; data kept in .data/');
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
// make does not pass SIGTERM on to its recipe: when our parent goes away, stop as if signalled.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void stopAll(0);
}, 1000).unref();

try {
  // --- PostgreSQL ---------------------------------------------------------------------------
  const urlNames = SERVICES.map((service) => `${service.toUpperCase()}_DATABASE_URL`);
  if (urlNames.every((name) => env[name])) {
    say('using the databases named by *_DATABASE_URL');
  } else {
    const port = Number(env.QHITZ_POSTGRES_PORT ?? DEV_POSTGRES_PORT);
    await stopLeftovers('PostgreSQL', [`-D ${resolve(dataDir, 'postgres')}`], 'SIGINT');
    if (await isPortInUse(port)) throw new Error(`port ${port} is taken (another make dev?); set QHITZ_POSTGRES_PORT`);
    say(`starting embedded PostgreSQL on 127.0.0.1:${port} (data in .data/postgres)`);
    postgres = await startEmbeddedPostgres({ dataDir: resolve(dataDir, 'postgres'), port, persistent: true, onLog: onlyProblems(prefixer('postgres')) });
    for (const service of SERVICES) env[`${service.toUpperCase()}_DATABASE_URL`] ??= postgres.urls[service];
  }

  // --- Temporal -----------------------------------------------------------------------------
  if (env.TEMPORAL_ADDRESS) {
    say(`using Temporal at ${env.TEMPORAL_ADDRESS}`);
  } else {
    await stopLeftovers('Temporal', ['start-dev', resolve(dataDir, 'temporal.sqlite')], 'SIGTERM');
    if (await isPortInUse(7233)) throw new Error('port 7233 is taken by another Temporal; set TEMPORAL_ADDRESS to use it');
    say('starting the Temporal dev server on 127.0.0.1:7233 (Web UI 8233, data in .data/temporal.sqlite)');
    // Payloads are encrypted: the UI shows them decrypted through the dental API's codec endpoint.
    const codecEndpoint = codecEndpointForUi(`http://127.0.0.1:${port('dental')}`, temporalCodecUiSecret(loadConfig(env)));
    temporal = await startTemporalDevServer({
      port: 7233,
      uiPort: 8233,
      dbFile: resolve(dataDir, 'temporal.sqlite'),
      codecEndpoint,
      onLine: prefixer('temporal'),
    });
    env.TEMPORAL_ADDRESS = temporal.address;
  }

  // --- Mail ------------------------------------------------------------------------------------
  inbox = (await startDevMail(env, resolve(dataDir, 'mail'))) ?? undefined;
  say(inbox ? `mail goes to the inbox at ${inbox.webUrl} (SMTP ${inbox.smtpUrl}, kept in .data/mail)` : 'sending mail through SMTP_URL');

  // --- Migrations ------------------------------------------------------------------------------
  for (const service of SERVICES) {
    const pool = await createDatabasePool(env[`${service.toUpperCase()}_DATABASE_URL`]!);
    const applied = await migrate(pool, service);
    await pool.end();
    if (applied.length) say(`${service}_db: applied ${applied.join(', ')}`);
  }

  // --- Demo accounts (development only) -----------------------------------------------------------
  let demoLines: string[] = [];
  if (env.NODE_ENV === 'development') {
    const pool = await createDatabasePool(env.AUTH_DATABASE_URL!);
    const accounts = await ensureDemoAccounts(pool, createPasswordHasher({ memoryCost: 19_456, timeCost: 2, parallelism: 1 }));
    await pool.end();
    demoLines = accounts.map((account) => `  demo ${account.role.padEnd(5)}  ${account.email} / ${account.password}`);
  }

  // --- Worker and APIs -------------------------------------------------------------------------
  const node = process.execPath;
  children.push(startProcess('worker', node, ['--import', 'tsx', 'worker/main.ts'], env));
  for (const service of SERVICES) {
    children.push(startProcess(service, node, ['--import', 'tsx', `api/${service}/main.ts`], env));
  }
  for (const child of children) {
    void child.exited.then((code) => {
      if (!stopping) {
        say(`${child.name} exited with code ${code}; stopping the stack`);
        void stopAll(1);
      }
    });
  }

  const results = await Promise.all(
    SERVICES.map((service) => waitForHealthy(`http://127.0.0.1:${port(service)}/api/health`, 60_000)),
  );
  const lines = SERVICES.map(
    (service, index) => `  ${service.padEnd(8)} http://127.0.0.1:${port(service)}/api   ${results[index] ? 'healthy' : 'NOT HEALTHY'}`,
  );
  if (temporal?.uiUrl) lines.push(`  Temporal Web UI  ${temporal.uiUrl}   (payloads decrypted by the dental API)`);
  if (inbox) lines.push(`  Mail inbox       ${inbox.webUrl}`);
  lines.push(...demoLines);
  say(`Qhitz is up. Ctrl-C stops everything.\n${lines.join('\n')}`);
} catch (error) {
  say(`could not start: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll(1);
}
