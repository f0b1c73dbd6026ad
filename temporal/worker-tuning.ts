// How a worker polls and caches, shared by the real worker (worker/workers.ts) and the bench's bare
// booking worker (bench/bare/worker.ts), so the bench's bound is measured with the same settings.
import type { WorkerOptions } from '@temporalio/worker';

export const WORKER_TUNING = {
  // Cached workflow state lives outside the V8 heap: bound it explicitly.
  maxCachedWorkflows: 500,
} satisfies Partial<WorkerOptions>;
