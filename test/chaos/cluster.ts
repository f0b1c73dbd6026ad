// A whole Qhitz deployment as separate processes, for tests that kill and restart its parts: its own
// PostgreSQL (data kept across a restart), its own Temporal dev server (SQLite file, so workflows
// survive a restart), the worker and the four APIs as child processes. Nothing is shared with the
// other suites' stack, which these tests would otherwise take down.
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DatabasePool } from 'slonik';
import { issueAccessToken } from '../../core/auth/access-tokens.js';
import { generateSigningJwk, signingKeysFromJwks } from '../../core/auth/signing-keys.js';
import type { Role } from '../../db/auth/users.js';
import { loadConfig, SERVICES, type ServiceName } from '../../config/index.js';
import { migrate } from '../../db/migrate.js';
import { createDatabasePool } from '../../db/pool.js';
import { type EmbeddedCluster, startEmbeddedPostgres } from '../../scripts/lib/postgres.js';
import { freePort } from '../../scripts/lib/ports.js';
import { type ManagedProcess, startProcess, waitForHealthy } from '../../scripts/lib/processes.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../scripts/lib/temporal-dev-server.js';
import { temporalDataConverter } from '../../temporal/data-converter.js';
import { onTeardown } from '../support/teardown.js';

export type Part = ServiceName | 'worker';

export interface Cluster {
  urls: Record<ServiceName, string>;
  env: NodeJS.ProcessEnv;
  pools: Record<ServiceName, DatabasePool>;
  temporal: Client;
  storageRoot: string;
  token(user: { id: number; role?: Role }): Promise<string>;
  /** SIGKILL: no draining, no cleanup, as a crash or an OOM kill. */
  kill(part: Part): Promise<void>;
  start(part: Part): Promise<void>;
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  stopTemporal(): Promise<void>;
  startTemporal(): Promise<void>;
  /** The last lines a part printed, for failure messages. */
  output(part: Part): string;
  /** A request to one of the APIs; `ms` is how long the answer took. */
  call(service: ServiceName, method: string, path: string, options?: { token?: string; json?: unknown; body?: RequestInit['body'] }): Promise<Answer>;
}

export interface Answer {
  status: number;
  body: any;
  ms: number;
}

let cluster: Promise<Cluster> | undefined;

/** The chaos suites' cluster, started once per test run. */
export function getCluster(): Promise<Cluster> {
  cluster ??= startCluster();
  return cluster;
}

async function startCluster(): Promise<Cluster> {
  const scratch = join(process.env.QHITZ_TEST_SCRATCH ?? '/tmp', `chaos-${randomUUID().slice(0, 8)}`);
  mkdirSync(scratch, { recursive: true, mode: 0o755 });
  const pgPort = await freePort();
  const pgOptions = { dataDir: join(scratch, 'postgres'), port: pgPort, persistent: true };
  let postgres: EmbeddedCluster | null = await startEmbeddedPostgres(pgOptions);
  let temporalServer: TemporalDevServer | null = await startTemporalDevServer({ uiPort: null, dbFile: join(scratch, 'temporal.sqlite') });
  // Restarts come back on the same port and data, as a real server would.
  const temporalOptions = { port: temporalServer.port, uiPort: null, dbFile: join(scratch, 'temporal.sqlite') };

  const pools = Object.fromEntries(
    await Promise.all(SERVICES.map(async (service) => [service, await createDatabasePool(postgres!.urls[service], { connectionTimeoutMs: 2000 })] as const)),
  ) as Record<ServiceName, DatabasePool>;
  for (const service of SERVICES) await migrate(pools[service], service);

  const bundle = join(scratch, 'workflow-bundle.js');
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-workflow-bundle.ts', bundle], { stdio: 'ignore' });

  const ports = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await freePort()] as const))) as Record<ServiceName, number>;
  const jwk = await generateSigningJwk();
  const storageRoot = join(scratch, 'storage');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    // Kept in memory and shown with TEST_LOG_LEVEL set; the worker's "worker polling" line is info.
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    TEMPORAL_ADDRESS: temporalServer.address,
    STORAGE_ROOT: storageRoot,
    AUTH_SIGNING_KEYS: JSON.stringify([jwk]),
    WORKFLOW_BUNDLE_PATH: bundle,
    WORKER_METRICS_ADDRESS: 'off',
    AUTH_URL: `http://127.0.0.1:${ports.auth}`,
    // Room for a worker restart inside one request; a crashed upload is abandoned after 2 × 3 s.
    TEMPORAL_REQUEST_TIMEOUT_MS: '15000',
    UPLOAD_TIMEOUT_MS: '3000',
    DENTAL_REMINDER_OFFSETS: '1m',
    ...Object.fromEntries(SERVICES.flatMap((s) => [[`${s.toUpperCase()}_DATABASE_URL`, postgres!.urls[s]], [`${s.toUpperCase()}_PORT`, String(ports[s])]])),
  };
  const urls = Object.fromEntries(SERVICES.map((s) => [s, `http://127.0.0.1:${ports[s]}`])) as Record<ServiceName, string>;

  const processes = new Map<Part, ManagedProcess>();
  const logs = new Map<Part, string[]>();
  const start = async (part: Part) => {
    const lines: string[] = [];
    logs.set(part, lines);
    const entry = part === 'worker' ? 'worker/main.ts' : `api/${part}/main.ts`;
    const child = startProcess(part, process.execPath, ['--import', 'tsx', entry], env, (line) => {
      lines.push(line);
      if (lines.length > 200) lines.shift();
      if (process.env.TEST_LOG_LEVEL) process.stderr.write(`[chaos ${part}] ${line}\n`);
    });
    processes.set(part, child);
    if (part === 'worker') {
      await waitForLine(lines, /worker polling/, 60_000, () => child.child.exitCode !== null);
    } else if (!(await waitForHealthy(`${urls[part]}/api/health`, 60_000))) {
      throw new Error(`${part} did not become healthy:\n${lines.join('\n')}`);
    }
  };
  const kill = async (part: Part) => {
    const child = processes.get(part);
    if (!child || child.child.exitCode !== null || child.child.signalCode !== null) return;
    child.child.kill('SIGKILL');
    await child.exited;
  };

  await start('auth');
  await Promise.all([start('worker'), start('media'), start('cloud'), start('dental')]);

  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS! });
  // The cluster's processes and this client share the test run's payload keys (TEMPORAL_PAYLOAD_KEYS_FILE).
  const temporal = new Client({ connection, dataConverter: temporalDataConverter(loadConfig(env)) });
  const keys = await signingKeysFromJwks([jwk]);

  const stopPostgres = async () => {
    await postgres?.stop();
    postgres = null;
  };
  const stopTemporal = async () => {
    await temporalServer?.stop();
    temporalServer = null;
  };
  onTeardown(async () => {
    await Promise.all([...processes.values()].map((child) => child.stop(5000)));
    await connection.close();
    await Promise.all(Object.values(pools).map((pool) => pool.end()));
    await stopTemporal();
    await stopPostgres();
  });

  return {
    urls,
    env,
    pools,
    temporal,
    storageRoot,
    async token(user) {
      const { token } = await issueAccessToken(keys, { userId: user.id, role: user.role ?? 'user', sessionId: randomUUID() }, {
        issuer: 'qhitz-auth',
        audience: 'qhitz',
        ttlSeconds: 3600,
      });
      return token;
    },
    kill,
    start,
    stopPostgres,
    async startPostgres() {
      postgres ??= await startEmbeddedPostgres(pgOptions);
    },
    stopTemporal,
    async startTemporal() {
      temporalServer ??= await startTemporalDevServer(temporalOptions);
    },
    output: (part) => (logs.get(part) ?? []).join('\n'),
    async call(service, method, path, options = {}) {
      const started = performance.now();
      const headers: Record<string, string> = {};
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.json !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${urls[service]}${path}`, {
        method,
        headers,
        body: options.json !== undefined ? JSON.stringify(options.json) : options.body,
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      const json = (response.headers.get('content-type') ?? '').includes('json');
      return { status: response.status, body: json && text ? JSON.parse(text) : text, ms: performance.now() - started };
    },
  };
}

async function waitForLine(lines: string[], pattern: RegExp, timeoutMs: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!lines.some((line) => pattern.test(line))) {
    if (exited() || Date.now() > deadline) throw new Error(`expected a line matching ${pattern}:\n${lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Polls `check` until it returns a value other than undefined/false, or fails with `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting until ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}
