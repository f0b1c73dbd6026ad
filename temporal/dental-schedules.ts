// The dental practice's periodic work, as Temporal Schedules operations staff can see, pause and
// trigger in the Web UI. Created at worker start; one that exists keeps its state and follows the time zone.
import { type Client, ScheduleAlreadyRunning } from '@temporalio/client';
import type { Config } from '../config/index.js';
import { dailyDigestWorkflow } from '../workflows/dental.js';
import { TASK_QUEUES } from '../workflows/task-queues.js';

export const DAILY_DIGEST_SCHEDULE_ID = 'dental-daily-digest';

export async function ensureDentalSchedules(client: Client, config: Pick<Config, 'PRACTICE_TIME_ZONE'>): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: DAILY_DIGEST_SCHEDULE_ID,
      spec: { calendars: [{ hour: 18, minute: 0 }], timezone: config.PRACTICE_TIME_ZONE },
      action: {
        type: 'startWorkflow',
        workflowType: dailyDigestWorkflow,
        taskQueue: TASK_QUEUES.dental,
        workflowId: 'dental-daily-digest-run',
        staticSummary: "Tomorrow's appointments to each dentist",
      },
      policies: { catchupWindow: '1 hour' },
      state: { note: "Sends each dentist tomorrow's agenda at 18:00 practice time. Pause here to stop the digests." },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    // It exists: keep what staff set (paused, another hour), but follow a changed PRACTICE_TIME_ZONE.
    const handle = client.schedule.getHandle(DAILY_DIGEST_SCHEDULE_ID);
    if ((await handle.describe()).spec.timezone !== config.PRACTICE_TIME_ZONE) {
      await handle.update((previous) => ({ ...previous, spec: { ...previous.spec, timezone: config.PRACTICE_TIME_ZONE } }));
    }
  }
}
