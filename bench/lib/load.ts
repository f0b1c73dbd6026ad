// One bounded load run with autocannon against 127.0.0.1, summarised as the figures we report.
import autocannon, { type Options } from 'autocannon';
import type { ServiceName } from '../../config/index.js';
import { withCost } from './cost.js';
import type { BenchStack } from './stack.js';

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
  /** Also measure what the timed run costs the stack's processes; `apis`: the services it calls. */
  cost?: { stack: BenchStack; apis: readonly ServiceName[] };
}

export interface LoadSummary {
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  requests: number;
  errors: number;
  non2xx: number;
  durationSeconds: number;
  /** `cpu_ms_per_op_<process>` and `worker_rss_mib` (lib/cost.ts) when asked for, else empty. */
  cost: Record<string, number>;
}

const WARMUP_SECONDS = 2;

export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(options.url)) throw new Error(`benchmarks only target 127.0.0.1 (got ${options.url})`);
  const connections = options.connections ?? 10;
  const settings: Options = {
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    connections,
    duration: options.durationSeconds ?? 10,
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
  // Two untimed seconds first: JIT, plan caches and pool connections warm up before anything is counted
  // (without it the first scenario of a run read 15-30% lower than the same load a minute later). A run
  // of its own rather than autocannon's warm-up option, so that its CPU is not counted either.
  await autocannon({ ...settings, duration: WARMUP_SECONDS });
  const { result, figures } = options.cost
    ? await withCost(options.cost.stack, options.cost.apis, () => autocannon(settings))
    : { result: await autocannon(settings), figures: () => ({}) };
  return {
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    durationSeconds: result.duration,
    cost: figures(result.requests.total),
  };
}
