// One bounded load run with autocannon against 127.0.0.1, summarised as the figures we report.
import autocannon, { type Options } from 'autocannon';

/** autocannon runs a warm-up before the timed run; its typings do not list the option. */
type WithWarmup = Options & { warmup: { connections: number; duration: number } };

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
  durationSeconds?: number;
  /** The path (and query) of each request in turn, instead of `url`'s, e.g. a random page. */
  nextPath?: () => string;
  /** The body of each request in turn, instead of `body`, e.g. another account's login. */
  nextBody?: () => string;
  /** Offer this many requests per second in total instead of as many as the connections can send. */
  ratePerSecond?: number;
}

export interface LoadSummary {
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  requests: number;
  errors: number;
  non2xx: number;
  durationSeconds: number;
}

const WARMUP_SECONDS = 2;

export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(options.url)) throw new Error(`benchmarks only target 127.0.0.1 (got ${options.url})`);
  const connections = options.connections ?? 10;
  const settings: WithWarmup = {
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    connections,
    duration: options.durationSeconds ?? 10,
    // Two untimed seconds first: JIT, plan caches and pool connections warm up before anything is counted
    // (without it the first scenario of a run read 15-30% lower than the same load a minute later).
    warmup: { connections, duration: WARMUP_SECONDS },
    ...(options.ratePerSecond && { overallRate: options.ratePerSecond }),
    ...((options.nextPath || options.nextBody) && {
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            ...(options.nextPath && { path: options.nextPath() }),
            ...(options.nextBody && { body: options.nextBody() }),
          }),
        },
      ],
    }),
  };
  const result = await autocannon(settings);
  return {
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    durationSeconds: result.duration,
  };
}
