// What every service's main does: read config, connect the database (migrating it) and Temporal,
// build the app, listen, and on SIGTERM drain and close everything in the right order.
import type { Client } from '@temporalio/client';
import type { H3 } from 'h3';
import type { DatabasePool } from 'slonik';
import { type Config, runWithConfig, type ServiceName } from '../../config/index.js';
import { migrate } from '../../db/migrate.js';
import { createDatabasePool } from '../../db/pool.js';
import { createTemporalClient, pingTemporal } from '../../temporal/connection.js';
import { type AuthGuard, createAuthGuard, createRevokedSessionList, type Fetch, remoteSigningKeys } from './auth-guard.js';
import { createHealthCheck, databaseProbe, type HealthProbe } from './health.js';
import { createLogger, type Logger } from '../../core/logger.js';
import { serviceCredential } from './service-credential.js';
import { onShutdownSignal, startHttpServer } from './server.js';

/**
 * What a service's app factory is given: real connections, made by main or by a test. Services that
 * start workflows take `ServiceDeps<Client>`: their Temporal client is always there.
 */
export interface ServiceDeps<Temporal extends Client | null = Client | null> {
  config: Config;
  logger: Logger;
  pool: DatabasePool;
  temporal: Temporal;
  health: () => Promise<import('./health.js').HealthReport>;
}

export function serviceHealth(pool: DatabasePool, temporal: Client | null) {
  const probes: Record<string, HealthProbe> = { database: databaseProbe(pool) };
  if (temporal) probes.temporal = () => pingTemporal(temporal);
  return createHealthCheck(probes);
}

/** The guard of services other than auth: keys from the auth service's JWKS, revocations polled. */
export function createRemoteAuthGuard(
  config: Pick<Config, 'AUTH_URL' | 'JWT_ISSUER' | 'JWT_AUDIENCE'> & Parameters<typeof serviceCredential>[0],
  logger: Logger,
  fetchImplementation?: Fetch,
): { guard: AuthGuard; stop(): void } {
  const revocations = createRevokedSessionList({ authUrl: config.AUTH_URL, credential: serviceCredential(config), fetch: fetchImplementation, logger });
  revocations.start();
  const guard = createAuthGuard({
    keys: remoteSigningKeys(config.AUTH_URL, fetchImplementation),
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    revocations,
  });
  return { guard, stop: () => revocations.stop() };
}

export interface BuiltService {
  app: H3;
  /** Closes what the app itself opened (timers, files); pools and clients are closed by the runtime. */
  close?: () => Promise<void>;
}

export function runService<WithTemporal extends boolean>(
  service: ServiceName,
  options: { temporal: WithTemporal },
  build: (deps: ServiceDeps<WithTemporal extends true ? Client : null>) => Promise<BuiltService>,
): Promise<void> {
  return runWithConfig(async (config) => {
    const logger = createLogger(service, config.LOG_LEVEL);
    // First: a service missing its Temporal payload keys stops here, before it connects to anything.
    const temporal = (options.temporal ? createTemporalClient(config) : null) as WithTemporal extends true ? Client : null;
    const pool = await createDatabasePool(config.databaseUrl(service), {
      maximumPoolSize: config.DATABASE_POOL_SIZE,
      connectionTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    });
    const applied = await migrate(pool, service);
    if (applied.length) logger.info({ applied }, 'database migrated');
    const built = await build({ config, logger, pool, temporal, health: serviceHealth(pool, temporal) });
    const server = await startHttpServer(built.app, {
      host: config.HOST,
      port: config.port(service),
      graceMs: config.SHUTDOWN_GRACE_MS,
      requestTimeoutMs: config.UPLOAD_TIMEOUT_MS,
    });
    logger.info({ url: server.url }, `${service} API listening`);
    onShutdownSignal(logger, async () => {
      await server.close();
      await built.close?.();
      await temporal?.connection.close();
      await pool.end();
    });
  });
}
