// Settings of the dental practice.
import { z } from 'zod';

export const dentalSettings = {
  /** Time zone of the practice: appointment times without an offset are read in it. */
  PRACTICE_TIME_ZONE: z
    .string()
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as Europe/Berlin')
    .default('UTC'),
};
