// One Worker per task queue, sharing one connection and one workflow bundle. Used by worker/main.ts
// and by the tests, so both run exactly the same workflows and activities.
import { type NativeConnection, Worker } from '@temporalio/worker';
import { type ActivityDeps, activitiesFor } from '../activities/index.js';
import { temporalDataConverter } from '../temporal/data-converter.js';
import { WORKER_TUNING } from '../temporal/worker-tuning.js';
import { TASK_QUEUES } from '../workflows/task-queues.js';
import { loadWorkflowBundle } from './bundle.js';

export interface WorkerOptions extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
}

export async function createWorkers(options: WorkerOptions): Promise<Worker[]> {
  const bundle = await loadWorkflowBundle();
  const workflowBundle = 'codePath' in bundle ? bundle : { code: bundle.code, sourceMap: bundle.sourceMap };
  const dataConverter = temporalDataConverter(options.config);
  return Promise.all(
    Object.values(TASK_QUEUES).map((taskQueue) =>
      Worker.create({
        connection: options.connection,
        namespace: options.namespace,
        taskQueue,
        workflowBundle,
        dataConverter,
        activities: activitiesFor(taskQueue, options),
        // Lets running activities finish on SIGTERM instead of being cut off (the default is 0).
        shutdownGraceTime: '30s',
        ...WORKER_TUNING,
      }),
    ),
  );
}
