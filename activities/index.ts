// Activities are built per task queue from real dependencies (pools, config), so the worker and the
// tests wire them the same way.
import type { DatabasePool } from 'slonik';
import type { Logger } from '../core/logger.js';
import type { Config } from '../config/index.js';
import type { TaskQueue } from '../workflows/task-queues.js';
import { createCloudActivities } from './cloud.js';
import { createDentalActivities } from './dental.js';
import { createMediaActivities } from './media.js';

export interface ActivityDeps {
  config: Config;
  logger: Logger;
  pools: Record<TaskQueue, DatabasePool>;
}

const activityFactories: Record<TaskQueue, (deps: ActivityDeps) => object> = {
  media: createMediaActivities,
  cloud: createCloudActivities,
  dental: createDentalActivities,
};

export function activitiesFor(queue: TaskQueue, deps: ActivityDeps): object {
  return activityFactories[queue](deps);
}
