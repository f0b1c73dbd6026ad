// Activities of the cloud task queue: one query or one side effect each, idempotent, retried by Temporal.
import type { ActivityDeps } from './index.js';

export function createCloudActivities(_deps: ActivityDeps) {
  return {};
}
