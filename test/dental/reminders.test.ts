// The reminder and digest activities against a real mail conversation: a small SMTP server on a free
// port that can refuse messages, so a failed send, its retry and what the message says are all seen.
// (The timers that call these activities are covered in booking.test.ts.)
import { createServer, type Socket } from 'node:net';
import { sql } from 'slonik';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { createDentalActivities } from '../../activities/dental.js';
import { call } from '../support/http.js';
import { getStack } from '../support/stack.js';
import { onTeardown } from '../support/teardown.js';
import { dentalApp, futureSlot, newDentist, newPatient, staffToken } from './support.js';

const reminders = suite('reminder and digest mail');

interface MailServer {
  url: string;
  /** Bodies of the messages accepted so far. */
  accepted: string[];
  /** How many of the next messages to refuse with a temporary error (451). */
  refuseNext: number;
}

/** Just enough SMTP for nodemailer: greeting, EHLO, MAIL, RCPT, DATA, QUIT. */
async function startMailServer(): Promise<MailServer> {
  const state = { accepted: [] as string[], refuseNext: 0 };
  const server = createServer((socket: Socket) => {
    let buffer = '';
    let inData = false;
    const say = (line: string) => socket.write(`${line}\r\n`);
    say('220 test mail server');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          if (state.refuseNext > 0) {
            state.refuseNext--;
            say('451 try again later');
          } else {
            state.accepted.push(message);
            say('250 queued');
          }
          continue;
        }
        const newline = buffer.indexOf('\r\n');
        if (newline < 0) return;
        const command = buffer.slice(0, newline).toUpperCase();
        buffer = buffer.slice(newline + 2);
        if (command.startsWith('EHLO') || command.startsWith('HELO')) say('250 test');
        else if (command.startsWith('DATA')) {
          inData = true;
          say('354 go ahead');
        } else if (command.startsWith('QUIT')) {
          say('221 bye');
          socket.end();
        } else say('250 ok');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTeardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return Object.assign(state, { url: `smtp://127.0.0.1:${port}` });
}

async function setUp() {
  const stack = await getStack();
  const mail = await startMailServer();
  const config = { ...stack.config, SMTP_URL: mail.url, PRACTICE_TIME_ZONE: 'Europe/Berlin' };
  const activities = createDentalActivities({ config, logger: stack.logger, pools: stack.pools });
  const app = await dentalApp({ PRACTICE_TIME_ZONE: 'Europe/Berlin' });
  const token = await staffToken();
  const book = async (appointmentDate = futureSlot(9)) => {
    const [patient, dentist] = [await newPatient(app, token), await newDentist(app, token, { email: `dr.${Date.now()}@example.com` })];
    const booked = await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: patient.id, dentist_id: dentist.id, appointment_date: appointmentDate } });
    assert.is(booked.status, 201, booked.text);
    return booked.body.appointment as { id: number; appointment_date: string };
  };
  const reminderOf = (appointment: { id: number; appointment_date: string }, offsetMinutes = 120) => ({
    appointmentId: appointment.id,
    offsetMinutes,
    scheduledFor: new Date(Date.parse(appointment.appointment_date) - offsetMinutes * 60_000).toISOString(),
  });
  const rows = (appointmentId: number) =>
    stack.pools.dental.any(sql.type(z.object({ status: z.string(), error: z.string().nullable() }))`select status, error from reminders where appointment_id = ${appointmentId} order by id`);
  return { stack, mail, activities, app, token, book, reminderOf, rows };
}

reminders('a reminder the mail server refused is sent by the retry, once, in the practice’s time', async () => {
  const { mail, activities, book, reminderOf, rows } = await setUp();
  const appointment = await book('2031-12-15T10:00');
  mail.refuseNext = 1;
  try {
    await activities.sendReminder(reminderOf(appointment));
    assert.unreachable('the refused send should fail the attempt');
  } catch (error) {
    assert.match(String(error), /451/);
  }
  assert.equal((await rows(appointment.id)).map((row) => row.status), ['failed']);
  assert.is(await activities.sendReminder(reminderOf(appointment)), 'sent', 'the retry sends');
  assert.is(await activities.sendReminder(reminderOf(appointment)), 'already_sent', 'a later retry does not send again');
  assert.is(mail.accepted.length, 1);
  assert.match(mail.accepted[0]!, /Monday, 15 December 2031 at 10:00/);
  assert.equal((await rows(appointment.id)).map((row) => row.status), ['sent']);
});

reminders('a reminder whose appointment was cancelled or moved meanwhile is skipped, not sent', async () => {
  const { mail, activities, app, token, book, reminderOf, rows } = await setUp();
  const cancelled = await book();
  const due = reminderOf(cancelled);
  assert.is((await call(app, 'DELETE', `/api/dental/appointment/${cancelled.id}`, { token })).status, 200);
  assert.is(await activities.sendReminder(due), 'skipped');
  assert.equal(await rows(cancelled.id), [{ status: 'skipped', error: 'the appointment is cancelled' }]);

  const moved = await book();
  const dueBeforeTheMove = reminderOf(moved);
  const later = new Date(Date.parse(moved.appointment_date) + 3_600_000).toISOString();
  assert.is((await call(app, 'PUT', `/api/dental/appointment/${moved.id}`, { token, json: { appointment_date: later } })).status, 200);
  assert.is(await activities.sendReminder(dueBeforeTheMove), 'skipped');
  assert.is(mail.accepted.length, 0);
});

reminders('a digest the mail server refused is sent by the retry', async () => {
  const { stack, mail, activities, book } = await setUp();
  // Tomorrow in the practice's zone, mid-morning.
  const tomorrow = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(Date.now() + 24 * 3600_000);
  const appointment = await book(`${tomorrow}T10:${String(Math.floor(Math.random() * 50)).padStart(2, '0')}`);
  const dentistId = await stack.pools.dental.oneFirst(sql.type(z.object({ dentist_id: z.number() }))`select dentist_id from appointments where id = ${appointment.id}`);
  mail.refuseNext = 1;
  try {
    await activities.sendDailyDigests();
    assert.unreachable('the refused digest should fail the attempt');
  } catch (error) {
    assert.match(String(error), /451/);
  }
  await activities.sendDailyDigests();
  const mine = mail.accepted.filter((message) => message.includes(`dr.`) && message.includes(appointment.appointment_date.slice(11, 16)));
  assert.ok(mine.length >= 1, 'the dentist got the digest on the retry');
  const claims = await stack.pools.dental.oneFirst(sql.unsafe`select count(*)::int from dentist_digests where dentist_id = ${dentistId}`);
  assert.is(claims, 1);
});

reminders.run();
