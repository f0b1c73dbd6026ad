// The machine's bound for a booking (issue 19): the same Update-with-Start + local activity shape as
// the booking scenario, with a trivial workflow and activity (bench/bare/) in a bare worker process on
// its own task queue, called straight from this process's Temporal client: no HTTP, no database, no
// codec. What this costs Temporal and a worker is what no change of ours can take below.
// Round length and workflows in the end: BENCH_BOOKING_SECONDS and BENCH_BOOKING_FUTURE, as in booking.
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { startProcess } from '../../scripts/lib/processes.js';
import { BARE_TASK_QUEUE, bareBookingWorkflow, bareBookUpdate } from '../bare/workflows.js';
import { cpuMsOfTrees, rssMiB } from '../lib/proc.js';
import type { ResultRow, Scenario } from '../lib/scenario.js';

const SECONDS = Number(process.env.BENCH_BOOKING_SECONDS ?? 15);
const CLIENTS = [1, 4, 10];
const WARMUP_BOOKINGS = 200;
const FUTURE_APPOINTMENTS = Number(process.env.BENCH_BOOKING_FUTURE ?? 10_000);

export const scenario: Scenario = {
  name: 'booking-bare',
  description: `a trivial Update-with-Start + local activity from ${CLIENTS.join(', ')} clients (${SECONDS} s each) against a bare worker, then up to ${FUTURE_APPOINTMENTS.toLocaleString('en')} running: the bound without our code`,
  async run(stack, log) {
    const worker = startProcess('bare-worker', process.execPath, ['--import', 'tsx', new URL('../bare/worker.ts', import.meta.url).pathname], stack.env, (line) => log(`bare-worker: ${line}`));
    const connection = await Connection.connect({ address: stack.env.TEMPORAL_ADDRESS! });
    const client = new Client({ connection });
    let next = 0;
    const book = async () => {
      const id = next++;
      const started = performance.now();
      await client.workflow.executeUpdateWithStart(bareBookUpdate, {
        args: [{ id, startsAt: new Date(Date.now() + 30 * 86_400_000).toISOString() }],
        startWorkflowOperation: new WithStartWorkflowOperation(bareBookingWorkflow, { workflowId: `bare-${id}`, taskQueue: BARE_TASK_QUEUE, workflowIdConflictPolicy: 'USE_EXISTING' }),
      });
      return performance.now() - started;
    };
    /** `clients` loops booking one after another until `until()` says stop; every booking's latency. */
    const load = async (clients: number, until: (done: number) => boolean) => {
      const latencies: number[] = [];
      let errors = 0;
      await Promise.all(
        Array.from({ length: clients }, async () => {
          while (!until(latencies.length + errors)) {
            try {
              latencies.push(await book());
            } catch (error) {
              if (errors++ === 0) log(`booking-bare: ${(error as Error).message}`);
            }
          }
        }),
      );
      return { latencies: latencies.sort((a, b) => a - b), errors };
    };
    // The bare worker in place of the stack's, and this process: the client's share of the work.
    const cpu = () => {
      const { user, system } = process.cpuUsage();
      return { ...stack.cpuMs(), ...cpuMsOfTrees({ worker: worker.child.pid! }), client: (user + system) / 1000 };
    };
    try {
      // The worker bundles its workflow at start: the first booking waits for it.
      await load(4, (done) => done >= WARMUP_BOOKINGS);
      const rows: ResultRow[] = [];
      for (const clients of CLIENTS) {
        log(`booking-bare: ${clients} client(s) for ${SECONDS} s`);
        const before = cpu();
        const ends = Date.now() + SECONDS * 1000;
        const { latencies, errors } = await load(clients, () => Date.now() >= ends);
        const after = cpu();
        const perOp = (part: keyof typeof after) => Math.round(((after[part] - before[part]) / Math.max(latencies.length, 1)) * 100) / 100;
        const percentile = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0);
        rows.push({
          name: `bare booking, ${clients} client${clients > 1 ? 's' : ''}`,
          figures: {
            requestsPerSecond: Math.round(latencies.length / SECONDS),
            p50Ms: percentile(0.5),
            p99Ms: percentile(0.99),
            errors,
            cpu_ms_per_op_client: perOp('client'),
            cpu_ms_per_op_worker: perOp('worker'),
            cpu_ms_per_op_temporal: perOp('temporal'),
            worker_rss_mib: rssMiB(worker.child.pid),
          },
          target: 'none: the bound the booking scenario is compared with',
          met: errors === 0,
        });
      }
      const remaining = FUTURE_APPOINTMENTS - next;
      if (remaining > 0) {
        log(`booking-bare: ${remaining.toLocaleString('en')} more, to ${FUTURE_APPOINTMENTS.toLocaleString('en')} running workflows`);
        const { errors } = await load(10, (done) => done >= remaining);
        rows.push({
          name: `${FUTURE_APPOINTMENTS.toLocaleString('en')} bare bookings running (10 clients)`,
          figures: { errors, worker_rss_mib: rssMiB(worker.child.pid) },
          target: 'none: the worker memory the booking scenario is compared with',
          met: errors === 0,
        });
      }
      return rows;
    } finally {
      await connection.close();
      await worker.stop();
    }
  },
};
