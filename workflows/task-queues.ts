// One task queue per domain, so a slow media step never delays a booking.
export const TASK_QUEUES = { media: 'media', cloud: 'cloud', dental: 'dental' } as const;
export type TaskQueue = (typeof TASK_QUEUES)[keyof typeof TASK_QUEUES];
