// The real parts every suite shares, created once per test run: a pool per service database (the
// test run's own PostgreSQL), a Temporal client and in-process workers (the test run's own Temporal
// dev server), the auth signing keys, and the guard other services use, which fetches JWKS and
// revocations from a real auth app without a port.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { H3 } from 'h3';
import type { DatabasePool } from 'slonik';
import { createAuthApp } from '../../api/auth/app.js';
import { loadSigningKeys, type SigningKeys } from '../../core/auth/signing-keys.js';
import { createRemoteAuthGuard, serviceHealth, type ServiceDeps } from '../../api/shared/runtime.js';
import type { AuthGuard } from '../../api/shared/auth-guard.js';
import { createLogger, type Logger } from '../../core/logger.js';
import { type Config, loadConfig, SERVICES, type ServiceName } from '../../config/index.js';
import { createDatabasePool } from '../../db/pool.js';
import { temporalConnectionOptions } from '../../temporal/connection.js';
import { temporalDataConverter } from '../../temporal/data-converter.js';
import { createWorkers } from '../../worker/workers.js';
import { onTeardown } from './teardown.js';

export interface TestStack {
  config: Config;
  logger: Logger;
  pools: Record<ServiceName, DatabasePool>;
  temporal: Client;
  keys: SigningKeys;
  authApp: H3;
  /** The guard media, cloud and dental use: keys and revocations come from `authApp`. */
  guard: AuthGuard;
  /** Deps for a service's app factory, with real connections (a Temporal client for all but auth). */
  depsFor<S extends ServiceName>(service: S): ServiceDeps<S extends 'auth' ? null : Client>;
}

let stack: Promise<TestStack> | undefined;
let workers: Promise<void> | undefined;

export function getStack(): Promise<TestStack> {
  stack ??= createStack();
  return stack;
}

async function createStack(): Promise<TestStack> {
  const config = loadConfig({ ...process.env, AUTH_URL: 'http://auth.test' });
  const logger = createLogger('test', config.LOG_LEVEL);
  const pools = Object.fromEntries(
    await Promise.all(SERVICES.map(async (service) => [service, await createDatabasePool(config.databaseUrl(service))] as const)),
  ) as Record<ServiceName, DatabasePool>;
  onTeardown(() => Promise.all(Object.values(pools).map((pool) => pool.end())).then(() => undefined));

  const connection = await Connection.connect(temporalConnectionOptions(config));
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: temporalDataConverter(config) });
  onTeardown(() => connection.close());

  const depsFor = <S extends ServiceName>(service: S) => {
    const client = (service === 'auth' ? null : temporal) as S extends 'auth' ? null : Client;
    return { config, logger, pool: pools[service], temporal: client, health: serviceHealth(pools[service], client) };
  };
  const keys = await loadSigningKeys(config);
  const authApp = createAuthApp({ ...depsFor('auth'), keys });
  const remote = createRemoteAuthGuard(config, logger, async (input, init) => authApp.fetch(new Request(input, init)));
  onTeardown(() => remote.stop());
  return { config, logger, pools, temporal, keys, authApp, guard: remote.guard, depsFor };
}

/** Starts the real workers (all task queues) in this process once; later calls wait for the same. */
export function ensureWorkers(): Promise<void> {
  workers ??= (async () => {
    const { config, logger, pools } = await getStack();
    // Tests fail activities on purpose; the SDK would print each one.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    const connection = await NativeConnection.connect(temporalConnectionOptions(config));
    const running = await createWorkers({ connection, namespace: config.TEMPORAL_NAMESPACE, config, logger, pools });
    const runs = running.map((worker) => worker.run());
    onTeardown(async () => {
      for (const worker of running) worker.shutdown();
      await Promise.allSettled(runs);
      await connection.close();
    });
  })();
  return workers;
}
