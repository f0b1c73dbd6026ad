// What one operation of a load costs each part of the stack: CPU ms per operation of the API(s) it
// calls, the worker, the Temporal server and PostgreSQL, read around the load, and the worker's
// resident memory after it. On shared cores these hold still while throughput and latency wander.
import type { ServiceName } from '../../config/index.js';
import type { BenchStack, StackProcess } from './stack.js';

export interface Cost<T> {
  result: T;
  /** `cpu_ms_per_op_<process>` for `operations` operations, and `worker_rss_mib`. */
  figures(operations: number): Record<string, number>;
}

/** Runs `work` and measures what it cost; `apis` are the services it calls, reported together as `api`. */
export async function withCost<T>(stack: BenchStack, apis: readonly ServiceName[], work: () => Promise<T>): Promise<Cost<T>> {
  const before = stack.cpuMs();
  const result = await work();
  const after = stack.cpuMs();
  const spent = (process: StackProcess) => after[process] - before[process];
  const parts = { api: apis.reduce((sum, api) => sum + spent(api), 0), worker: spent('worker'), temporal: spent('temporal'), postgres: spent('postgres') };
  const workerRss = stack.rssMiB('worker');
  return {
    result,
    figures: (operations) => ({
      ...Object.fromEntries(Object.entries(parts).map(([part, ms]) => [`cpu_ms_per_op_${part}`, round(ms / Math.max(operations, 1))])),
      worker_rss_mib: workerRss,
    }),
  };
}

const round = (value: number) => Math.round(value * 100) / 100;
