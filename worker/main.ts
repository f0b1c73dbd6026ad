// The worker process: polls the media, cloud and dental task queues until SIGINT/SIGTERM, when the
// SDK stops polling and lets running activities finish (shutdownGraceTime) before we close the pools.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createLogger } from '../core/logger.js';
import { runWithConfig } from '../config/index.js';
import { createDatabasePool } from '../db/pool.js';
import { createTemporalClient, temporalConnectionOptions } from '../temporal/connection.js';
import { ensureDentalSchedules } from '../temporal/dental-schedules.js';
import { createWorkers } from './workers.js';

await runWithConfig(async (config) => {
  const logger = createLogger('worker', config.LOG_LEVEL);
  // Before anything connects: without its payload keys the worker must not start (exit 78, one sentence).
  const client = createTemporalClient(config);
  Runtime.install({
    // The SDK's own Prometheus exporter: task latencies, poll results, activity outcomes per queue.
    ...(config.WORKER_METRICS_ADDRESS && {
      telemetryOptions: { metrics: { prometheus: { bindAddress: config.WORKER_METRICS_ADDRESS, countersTotalSuffix: true } } },
    }),
    logger: new DefaultLogger('INFO', ({ level, message, meta }) => {
      const method = level === 'ERROR' ? 'error' : level === 'WARN' ? 'warn' : level === 'INFO' ? 'info' : 'debug';
      logger[method](meta ?? {}, message);
    }),
  });
  const poolOptions = { maximumPoolSize: config.DATABASE_POOL_SIZE, connectionTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS };
  const pools = {
    media: await createDatabasePool(config.databaseUrl('media'), poolOptions),
    cloud: await createDatabasePool(config.databaseUrl('cloud'), poolOptions),
    dental: await createDatabasePool(config.databaseUrl('dental'), poolOptions),
  };
  const connection = await connectWithRetry(() => NativeConnection.connect(temporalConnectionOptions(config)), logger);
  const workers = await createWorkers({ connection, namespace: config.TEMPORAL_NAMESPACE, config, logger, pools });
  await ensureDentalSchedules(client, config);
  await client.connection.close();
  logger.info(
    { taskQueues: workers.map((worker) => worker.options.taskQueue), metrics: config.WORKER_METRICS_ADDRESS ?? 'off' },
    'worker polling',
  );
  await Promise.all(workers.map((worker) => worker.run()));
  await connection.close();
  await Promise.all(Object.values(pools).map((pool) => pool.end()));
  logger.info('worker stopped cleanly');
});

/** Temporal may still be starting (compose, make dev): wait for it rather than crash-looping. */
async function connectWithRetry<T>(connect: () => Promise<T>, logger: ReturnType<typeof createLogger>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (error) {
      if (attempt >= 60) throw error;
      if (attempt === 1) logger.warn({ err: error }, 'Temporal is not reachable yet; retrying every second');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
