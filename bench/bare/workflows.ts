// The shape of a booking with none of our work in it: an Update that arrives with the workflow's
// start (Update-with-Start), answered by a local activity, then a workflow that stays running until
// a timer weeks ahead, as an appointment waits for its first reminder. No database, no codec.
import { condition, defineUpdate, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { BareActivities } from './activities.js';

export const BARE_TASK_QUEUE = 'bench-bare';

export interface BareBooking {
  id: number;
  startsAt: string;
}

export const bareBookUpdate = defineUpdate<BareBooking, [BareBooking]>('book');

const { bareBook } = proxyLocalActivities<BareActivities>({ startToCloseTimeout: '5 seconds' });

export async function bareBookingWorkflow(): Promise<void> {
  let booked = false;
  setHandler(bareBookUpdate, async (request) => {
    const answer = await bareBook(request);
    booked = true;
    return answer;
  });
  if (!(await condition(() => booked, '1 minute'))) return;
  await condition(() => false, '30 days');
}
