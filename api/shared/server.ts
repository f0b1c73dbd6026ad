// Listening and stopping. Stop means: refuse new connections, let requests in flight finish (up to a
// grace period), then close what the service opened. Used by every service's main.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type H3, serve } from 'h3';
import type { Logger } from '../../core/logger.js';

export interface RunningServer {
  url: string;
  /** Stops accepting, waits for in-flight requests (at most `graceMs`), then resolves. */
  close(): Promise<void>;
}

export interface ServerTimeouts {
  /**
   * A request must be fully received within this (Node's default is 5 min): large uploads on slow
   * links need longer, and the storage sweep relies on no upload outliving this bound.
   */
  requestTimeoutMs?: number;
  /** The request line and headers must arrive within this (slowloris). */
  headersTimeoutMs?: number;
}

const DEFAULT_HEADERS_TIMEOUT_MS = 20_000;

export async function startHttpServer(
  app: H3,
  options: { host: string; port: number; graceMs: number } & ServerTimeouts,
): Promise<RunningServer> {
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const requestTimeout = Math.max(options.requestTimeoutMs ?? 300_000, headersTimeout);
  const server = serve(app, {
    hostname: options.host,
    port: options.port,
    silent: true,
    gracefulShutdown: false,
    // Node checks these timeouts only every connectionsCheckingInterval (default 30 s).
    node: { requestTimeout, headersTimeout, connectionsCheckingInterval: Math.min(1000, headersTimeout) },
  });
  await server.ready();
  server.node?.server?.on('clientError', answerClientError);
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

/**
 * Requests Node refuses before they reach the app (malformed HTTP, oversized headers, too slow to
 * arrive) get the same JSON error shape as everything else, instead of Node's bare status line.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex & { _httpMessage?: { headersSent?: boolean } | null }): void {
  // As Node's own handler: answer unless a response on this (keep-alive) socket has begun (Node
  // keeps it as the socket's `_httpMessage`), then destroy the socket, which
  // also aborts a request still in flight on it (an upload waiting for bytes that will never be
  // parsed). The answer is ended first and the socket destroyed a moment later, so a client still
  // sending its oversized headers reads the answer instead of a connection reset.
  if (socket.writable && !socket._httpMessage?.headersSent && error.code !== 'ECONNRESET') {
    const [status, code, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'The request line or headers are too large']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'request_timeout', 'The request did not arrive in time']
          : [400, 'bad_request', 'The request is not valid HTTP'];
    const body = JSON.stringify({ error: code, message });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    setTimeout(() => socket.destroy(), 500).unref();
    return;
  }
  socket.destroy();
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
