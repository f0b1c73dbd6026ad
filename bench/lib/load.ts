// One bounded load run with autocannon against 127.0.0.1, summarised as the figures we report.
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
  durationSeconds?: number;
  /** The path (and query) of each request in turn, instead of `url`'s, e.g. a random page. */
  nextPath?: () => string;
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

export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(options.url)) throw new Error(`benchmarks only target 127.0.0.1 (got ${options.url})`);
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    connections: options.connections ?? 10,
    duration: options.durationSeconds ?? 10,
    ...(options.ratePerSecond && { overallRate: options.ratePerSecond }),
    ...(options.nextPath && { requests: [{ setupRequest: (request) => ({ ...request, path: options.nextPath!() }) }] }),
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    durationSeconds: result.duration,
  };
}
