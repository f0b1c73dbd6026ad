// The bare booking worker (bench scenario booking-bare): bench/bare/workflows.ts on its own task
// queue, tuned as the real worker is (WORKER_TUNING), with the SDK's default data converter. Run as its
// own process so its CPU and memory are read apart from everything else.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { WORKER_TUNING } from '../../temporal/worker-tuning.js';
import { bareActivities } from './activities.js';
import { BARE_TASK_QUEUE } from './workflows.js';

const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
const worker = await Worker.create({
  connection,
  taskQueue: BARE_TASK_QUEUE,
  workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
  activities: bareActivities,
  ...WORKER_TUNING,
});
console.log('bare worker polling');
await worker.run();
await connection.close();
