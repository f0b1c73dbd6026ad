// The stack a benchmark runs against: built like production (`npm run build`, `node dist/...`),
// on free ports, with its own PostgreSQL and Temporal, so a benchmark never touches dev data.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueAccessToken } from '../../core/auth/access-tokens.js';
import { generateSigningJwk, signingKeysFromJwks } from '../../core/auth/signing-keys.js';
import type { Role } from '../../db/auth/users.js';
import { SERVICES, type ServiceName } from '../../config/index.js';
import { migrate } from '../../db/migrate.js';
import { createDatabasePool } from '../../db/pool.js';
import { startEmbeddedPostgres } from '../../scripts/lib/postgres.js';
import { freePort } from '../../scripts/lib/ports.js';
import { type ManagedProcess, startProcess, waitForHealthy } from '../../scripts/lib/processes.js';
import { startTemporalDevServer } from '../../scripts/lib/temporal-dev-server.js';
import { generatePayloadKey } from '../../temporal/payload-keys.js';
import { cpuMsOfTrees, rssMiB } from './proc.js';

/** The processes of the stack whose costs a benchmark reports. */
export type StackProcess = ServiceName | 'worker' | 'temporal' | 'postgres';

export interface BenchStack {
  urls: Record<ServiceName, string>;
  env: NodeJS.ProcessEnv;
  /** Resident memory of a process of the stack, in MiB. */
  rssMiB(name: ServiceName | 'worker'): number;
  /** CPU ms each process (with all it started: PostgreSQL's backends) has spent since it started. */
  cpuMs(): Record<StackProcess, number>;
  /** An access token the services accept (signed with the stack's keys), with no account behind it. */
  token(user: { id: number; role?: Role }): Promise<string>;
  stop(): Promise<void>;
}

export async function startBenchStack(log: (line: string) => void): Promise<BenchStack> {
  log('building (npm run build, workflow bundle)');
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  execFileSync('npm', ['run', '--silent', 'build:workflows'], { stdio: 'inherit' });

  const scratch = mkdtempSync(join(tmpdir(), 'qhitz-bench-'));
  chmodSync(scratch, 0o755);
  const postgres = await startEmbeddedPostgres({ dataDir: join(scratch, 'pg'), port: await freePort(), persistent: false });
  // The postmaster: every backend serving a connection is its child.
  const postmasterPid = Number(readFileSync(join(scratch, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const temporal = await startTemporalDevServer({ uiPort: null });
  for (const service of SERVICES) {
    const pool = await createDatabasePool(postgres.urls[service]);
    await migrate(pool, service);
    await pool.end();
  }
  const ports = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await freePort()] as const))) as Record<ServiceName, number>;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    TEMPORAL_ADDRESS: temporal.address,
    STORAGE_ROOT: join(scratch, 'storage'),
    AUTH_SIGNING_KEYS_FILE: join(scratch, 'keys.json'),
    WORKFLOW_BUNDLE_PATH: 'dist/workflow-bundle.js',
    WORKER_METRICS_ADDRESS: 'off',
    AUTH_URL: `http://127.0.0.1:${ports.auth}`,
    ...Object.fromEntries(SERVICES.flatMap((s) => [[`${s.toUpperCase()}_DATABASE_URL`, postgres.urls[s]], [`${s.toUpperCase()}_PORT`, String(ports[s])]])),
  };
  // Production refuses to generate keys; a benchmark makes its own throwaway ones.
  env.AUTH_SIGNING_KEYS = JSON.stringify([await generateSigningJwk()]);
  env.URL_SIGNING_SECRET = randomBytes(32).toString('base64url');
  env.TEMPORAL_PAYLOAD_KEYS = JSON.stringify([generatePayloadKey()]);
  env.TEMPORAL_CODEC_UI_SECRET = randomBytes(32).toString('base64url');

  const processes = new Map<string, ManagedProcess>();
  const quiet = (name: string) => (line: string) => log(`${name}: ${line}`);
  // BENCH_CPU_PROFILE=media,worker writes those processes' V8 CPU profiles to
  // bench/results/profiles/<process>-<time>/ when the stack stops, one file per thread (Node names them
  // by pid and thread id; the main thread's is .0.), to open in Chrome DevTools or speedscope.
  const profiled = new Set((process.env.BENCH_CPU_PROFILE ?? '').split(',').filter(Boolean));
  const start = (name: ServiceName | 'worker', script: string) => {
    const profile = profiled.has(name) ? ['--cpu-prof', `--cpu-prof-dir=${new URL(`../results/profiles/${name}-${Date.now()}/`, import.meta.url).pathname}`] : [];
    processes.set(name, startProcess(name, process.execPath, [...profile, script], env, quiet(name)));
  };
  start('worker', 'dist/worker/main.js');
  for (const service of SERVICES) start(service, `dist/api/${service}/main.js`);
  const urls = Object.fromEntries(SERVICES.map((s) => [s, `http://127.0.0.1:${ports[s]}`])) as Record<ServiceName, string>;
  const healthy = await Promise.all(SERVICES.map((s) => waitForHealthy(`${urls[s]}/api/health`, 60_000)));
  if (healthy.includes(false)) throw new Error('the stack did not become healthy within 60 s');

  return {
    urls,
    env,
    rssMiB: (name) => rssMiB(processes.get(name)?.child.pid),
    cpuMs: () =>
      cpuMsOfTrees({
        ...Object.fromEntries([...processes].map(([name, managed]) => [name, managed.child.pid!])),
        temporal: temporal.process.pid!,
        postgres: postmasterPid,
      }) as Record<StackProcess, number>,
    async token(user) {
      const keys = await signingKeysFromJwks(JSON.parse(env.AUTH_SIGNING_KEYS!));
      const settings = { issuer: env.JWT_ISSUER ?? 'qhitz-auth', audience: env.JWT_AUDIENCE ?? 'qhitz', ttlSeconds: 3600 };
      return (await issueAccessToken(keys, { userId: user.id, role: user.role ?? 'user', sessionId: randomUUID() }, settings)).token;
    },
    async stop() {
      await Promise.all([...processes.values()].map((child) => child.stop()));
      await temporal.stop();
      await postgres.stop();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
