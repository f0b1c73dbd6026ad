// The practice as patients and calendar apps see it, from the PRACTICE_* settings: one place, so a
// reminder, an answer page and a calendar entry never name it differently.
import { dentalPublicUrl } from '../../config/dental.js';
import type { Config } from '../../config/index.js';

export interface Practice {
  name: string;
  address?: string | undefined;
  phone?: string | undefined;
  timeZone: string;
  /** The practice's own host name (of DENTAL_PUBLIC_URL), which makes calendar UIDs globally unique. */
  host: string;
  /** Who calendar apps show as the organiser: the address reminders come from. */
  organizer: { name: string; email: string };
}

export function practiceOf(
  config: Pick<Config, 'PRACTICE_NAME' | 'PRACTICE_ADDRESS' | 'PRACTICE_PHONE' | 'PRACTICE_TIME_ZONE' | 'DENTAL_PUBLIC_URL' | 'DENTAL_PORT' | 'SMTP_FROM'>,
): Practice {
  const fromAddress = /<([^>]+)>/.exec(config.SMTP_FROM)?.[1] ?? config.SMTP_FROM.trim();
  return {
    name: config.PRACTICE_NAME,
    address: config.PRACTICE_ADDRESS,
    phone: config.PRACTICE_PHONE,
    timeZone: config.PRACTICE_TIME_ZONE,
    host: new URL(dentalPublicUrl(config)).hostname,
    organizer: { name: config.PRACTICE_NAME, email: fromAddress },
  };
}
