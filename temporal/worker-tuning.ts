// How a worker polls and caches, shared by the real worker (worker/workers.ts) and the bench's bare
// booking worker (bench/bare/worker.ts), so the bench's bound is measured with the same settings.
import type { WorkerOptions } from '@temporalio/worker';

export const WORKER_TUNING = {
  // Every future appointment is a running workflow, and a cached one held ~0.8 MB of the worker (RSS
  // 351 MB idle, 738 MB after 1,500 bookings with 500 per queue). An evicted workflow is replayed from its
  // short history when a reminder or a change next reaches it, a few ms once in days; the cache need
  // only hold the workflows being worked on now (40 workflow tasks at once at most, the SDK's default).
  maxCachedWorkflows: 100,
} satisfies Partial<WorkerOptions>;
