// Activities of the media task queue: one query or one side effect each, idempotent, retried by Temporal.
import type { ActivityDeps } from './index.js';

export function createMediaActivities(_deps: ActivityDeps) {
  return {};
}
