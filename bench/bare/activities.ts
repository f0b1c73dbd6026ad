// The bare booking's local activity: answers with what it was given, as an insert answers with the row.
import type { BareBooking } from './workflows.js';

export const bareActivities = {
  async bareBook(request: BareBooking): Promise<BareBooking> {
    return request;
  },
};

export type BareActivities = typeof bareActivities;
