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

/** One line a patient reads in an email or a calendar entry. */
const practiceLine = z.string().trim().min(1).max(200).regex(/^[^\r\n]*$/, 'must be one line');

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
  /** The practice as patients know it: named in reminders, on the answer pages and in calendar entries. */
  PRACTICE_NAME: practiceLine.default('Qhitz Dental'),
  PRACTICE_ADDRESS: practiceLine.optional(),
  PRACTICE_PHONE: practiceLine.optional(),
  /**
   * Where patients reach the dental API: the base of the confirm/cancel links in reminders and of
   * dentists' calendar feeds. Production with SMTP_URL must set it (a loopback link helps nobody).
   */
  DENTAL_PUBLIC_URL: z
    .url()
    .regex(/^https?:\/\//, 'must be an http:// or https:// URL')
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  /** When reminders go out before an appointment. */
  DENTAL_REMINDER_OFFSETS: durationList.default([24 * 60, 2 * 60]),
  /** Sends reminder emails when set (smtp://user:pass@host:587); without it reminders are only recorded. */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  SMTP_FROM: z.string().default('Qhitz Dental <no-reply@qhitz.local>'),
};

/** The base of links patients and calendar apps follow; outside production, make dev's address by default. */
export function dentalPublicUrl(config: { DENTAL_PUBLIC_URL?: string | undefined; DENTAL_PORT: number }): string {
  return config.DENTAL_PUBLIC_URL ?? `http://127.0.0.1:${config.DENTAL_PORT}`;
}
