// `make dev` shows a newcomer the mail patients get: without SMTP_URL it starts a real SMTP server with
// a web inbox on loopback and points SMTP_URL at it (with SMTP_URL set it leaves mail alone); a
// reminder sent through it is in the inbox, readable in a browser and through the inbox's API.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDentalActivities } from '../../activities/dental.js';
import { startDevMail } from '../../scripts/lib/dev-inbox.js';
import { freePort } from '../../scripts/lib/ports.js';
import { call } from '../support/http.js';
import { getStack } from '../support/stack.js';
import { onTeardown } from '../support/teardown.js';
import { dentalApp, futureSlot, newDentist, newPatient, staffToken } from './support.js';

const inbox = suite('make dev’s mail inbox');

inbox('without SMTP_URL the inbox receives the reminders; with it, mail is left alone', async () => {
  const configured: NodeJS.ProcessEnv = { SMTP_URL: 'smtp://mail.example.com:587' };
  assert.is(await startDevMail(configured, tmpdir()), null);
  assert.is(configured.SMTP_URL, 'smtp://mail.example.com:587');

  const env: NodeJS.ProcessEnv = { QHITZ_MAIL_SMTP_PORT: String(await freePort()), QHITZ_MAIL_WEB_PORT: String(await freePort()) };
  const started = (await startDevMail(env, mkdtempSync(join(process.env.QHITZ_TEST_SCRATCH ?? tmpdir(), 'dev-mail-'))))!;
  onTeardown(() => started.stop());
  assert.is(env.SMTP_URL, `smtp://127.0.0.1:${env.QHITZ_MAIL_SMTP_PORT}`, 'SMTP_URL points at the inbox');
  assert.is(started.webUrl, `http://127.0.0.1:${env.QHITZ_MAIL_WEB_PORT}`, 'on loopback');

  const stack = await getStack();
  const activities = createDentalActivities({ config: { ...stack.config, SMTP_URL: env.SMTP_URL }, logger: stack.logger, pools: stack.pools });
  const app = await dentalApp();
  const token = await staffToken();
  const patient = await newPatient(app, token);
  const booked = (await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: patient.id, dentist_id: (await newDentist(app, token)).id, appointment_date: futureSlot(11) } })).body.appointment;
  await activities.sendReminder({ appointmentId: booked.id, offsetMinutes: 120, scheduledFor: new Date(Date.parse(booked.appointment_date) - 120 * 60_000).toISOString() });

  const page = await fetch(started.webUrl, { headers: { accept: 'text/html' } });
  assert.is(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/, 'a web inbox to open in a browser');
  const received = (await (await fetch(`${started.webUrl}/api/email`)).json()) as Array<{ subject: string; to: Array<{ address: string }> }>;
  const mine = received.filter((mail) => mail.to.some((to) => to.address === patient.email));
  assert.equal(mine.map((mail) => mail.subject.startsWith('Reminder: your appointment at Qhitz Dental')), [true]);
});

inbox.run();
