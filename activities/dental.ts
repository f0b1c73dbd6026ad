// Activities of the dental task queue: one query or one side effect each, idempotent, retried by Temporal.
import type { ActivityDeps } from './index.js';

export function createDentalActivities(_deps: ActivityDeps) {
  return {};
}
