// Settings of the dental practice.
import { z } from 'zod';

/** "24h,2h,30m" → minutes, largest first. */
const durationList = z
  .string()
  .regex(/^\s*\d+\s*[hm]\s*(,\s*\d+\s*[hm]\s*)*$/i, 'must be a list such as 24h,2h or 30m')
  .transform((value) =>
    value
      .split(',')
      .map((item) => {
        const match = /^\s*(\d+)\s*([hm])\s*$/i.exec(item)!;
        return Number(match[1]) * (match[2]!.toLowerCase() === 'h' ? 60 : 1);
      })
      .sort((a, b) => b - a),
  );

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
  /** When reminders go out before an appointment. */
  DENTAL_REMINDER_OFFSETS: durationList.default([24 * 60, 2 * 60]),
  /** Sends reminder emails when set (smtp://user:pass@host:587); without it reminders are only recorded. */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  SMTP_FROM: z.string().default('Qhitz Dental <no-reply@qhitz.local>'),
};
