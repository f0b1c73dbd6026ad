import { randomUUID } from 'node:crypto';
import type { H3 } from 'h3';
import { createDentalApp } from '../../api/dental/app.js';
import { formatInZone } from '../../core/dental/time.js';
import type { Config } from '../../config/index.js';
import { call, tokenFor } from '../support/http.js';
import { ensureWorkers, getStack } from '../support/stack.js';

export async function dentalApp(overrides: Partial<Config> = {}): Promise<H3> {
  const stack = await getStack();
  await ensureWorkers();
  return createDentalApp({ ...stack.depsFor('dental'), guard: stack.guard, config: { ...stack.config, ...overrides } });
}

export const staffToken = () => tokenFor({ id: 9001, role: 'staff' });

export async function newPatient(app: H3, token: string, extra: Record<string, unknown> = {}) {
  const id = randomUUID().slice(0, 8);
  const response = await call(app, 'POST', '/api/dental/patients', {
    token,
    json: { first_name: 'Jane', last_name: `Doe${id}`, email: `jane.${id}@example.com`, phone: '+1 555 0100', ...extra },
  });
  if (response.status !== 201) throw new Error(`patient: ${response.status} ${response.text}`);
  return response.body.patient as { id: number; email: string; last_name: string };
}

export async function newDentist(app: H3, token: string, extra: Record<string, unknown> = {}) {
  const response = await call(app, 'POST', '/api/dental/dentists', {
    token,
    json: { first_name: 'Sam', last_name: 'Smith', license_number: `LIC-${randomUUID()}`, ...extra },
  });
  if (response.status !== 201) throw new Error(`dentist: ${response.status} ${response.text}`);
  return response.body.dentist as { id: number };
}

/** A slot on a random future day (UTC), so suites never meet. */
export function futureSlot(hour = 10, minute = 0): string {
  const day = new Date(Date.UTC(2031 + Math.floor(Math.random() * 20), Math.floor(Math.random() * 12), 1 + Math.floor(Math.random() * 27)));
  day.setUTCHours(hour, minute);
  return day.toISOString().slice(0, 16);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An appointment time `seconds` from now that falls on today in the practice's zone: in the last
 * minutes of a day it first waits for the next one (check-in is allowed on the appointment's day).
 */
export async function startingIn(seconds: number): Promise<string> {
  const { config } = await getStack();
  const [, hours, minutes, secs] = /T(\d\d):(\d\d):(\d\d)/.exec(formatInZone(Date.now(), config.PRACTICE_TIME_ZONE))!.map(Number) as number[];
  const untilMidnightMs = (24 * 3600 - (hours! * 3600 + minutes! * 60 + secs!)) * 1000;
  if (untilMidnightMs < seconds * 1000 + 120_000) await sleep(untilMidnightMs + 2000);
  // Whole seconds, as the API shows appointment times.
  return new Date(Math.ceil(Date.now() / 1000 + seconds) * 1000).toISOString();
}

/** Waits until the instant has passed. */
export async function waitUntilPast(instant: string): Promise<void> {
  await sleep(Math.max(Date.parse(instant) - Date.now() + 100, 0));
}
