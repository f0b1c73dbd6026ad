// How a worker polls and caches, shared by the real worker (worker/workers.ts) and the bench's bare
// booking worker (bench/bare/worker.ts), so the bench's bound is measured with the same settings.
import type { WorkerOptions } from '@temporalio/worker';

export const WORKER_TUNING = {
  // Every future appointment is a running workflow; the cache need only hold those being worked on now
  // (at most 40 workflow tasks at once, the SDK's default). An evicted one is replayed from its short
  // history when a reminder or a change next reaches it, a few ms once in days. Worker RSS (issue 19,
  // bench booking): 738 MiB after 1,500 bookings with 500 per queue, 600 MiB after 2,000 with 10, 708 MiB
  // after 10,000 with 100. Most of it is not the cache: the bare worker (booking-bare) grows alike.
  maxCachedWorkflows: 100,
} satisfies Partial<WorkerOptions>;
