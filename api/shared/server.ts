// Listening and stopping. Stop means: refuse new connections, let requests in flight finish (up to a
// grace period), then close what the service opened. Used by every service's main.
import { type H3, serve } from 'h3';
import type { Logger } from './logger.js';

export interface RunningServer {
  url: string;
  /** Stops accepting, waits for in-flight requests (at most `graceMs`), then resolves. */
  close(): Promise<void>;
}

export async function startHttpServer(
  app: H3,
  options: { host: string; port: number; graceMs: number; requestTimeoutMs?: number },
): Promise<RunningServer> {
  const server = serve(app, { hostname: options.host, port: options.port, silent: true, gracefulShutdown: false });
  await server.ready();
  // Node cuts off a request not fully received within requestTimeout (default 5 min): large uploads
  // on slow links need longer, and the storage sweep relies on no upload outliving this bound.
  const nodeServer = server.node?.server;
  if (options.requestTimeoutMs && nodeServer && 'requestTimeout' in nodeServer) nodeServer.requestTimeout = options.requestTimeoutMs;
  const address = server.node?.server?.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    async close() {
      const force = setTimeout(() => void server.close(true), options.graceMs);
      force.unref();
      await server.close(false);
      clearTimeout(force);
    },
  };
}

/** Runs `stop` once on SIGINT/SIGTERM, then exits; a second signal exits at once. */
export function onShutdownSignal(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: draining requests');
    stop().then(
      () => {
        logger.info('stopped cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', handle);
  process.once('SIGTERM', handle);
}
