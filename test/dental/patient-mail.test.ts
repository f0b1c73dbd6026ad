// What a patient receives, read back from a real SMTP server (the inbox `make dev` runs): the reminder
// names the practice, the patient (first name only), the dentist, the type, the time in the practice's
// zone and its length, in text and escaped HTML, with Confirm/Cancel links and a calendar entry; a move
// and a cancellation are notices whose entries update (SEQUENCE) and remove (METHOD:CANCEL) it.
import ical, { type VEvent } from 'node-ical';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDentalActivities } from '../../activities/dental.js';
import type { Config } from '../../config/index.js';
import { call } from '../support/http.js';
import { testInbox } from '../support/mail-inbox.js';
import { getStack } from '../support/stack.js';
import { dentalApp, newDentist, newPatient, staffToken } from './support.js';

const mail = suite('patient mail');

async function setUp(practice: Partial<Config> = {}) {
  const stack = await getStack();
  const inbox = await testInbox();
  const settings: Partial<Config> = { SMTP_URL: inbox.smtpUrl, PRACTICE_TIME_ZONE: 'Europe/Berlin', ...practice };
  const activities = createDentalActivities({ config: { ...stack.config, ...settings }, logger: stack.logger, pools: stack.pools });
  const app = await dentalApp(settings);
  const token = await staffToken();
  return { stack, inbox, activities, app, token };
}

/** The calendar's one event and the calendar's METHOD. */
function calendarEvent(text: string): { event: VEvent; method: string } {
  const parsed = ical.sync.parseICS(text);
  const events = Object.values(parsed).filter((component): component is VEvent => component?.type === 'VEVENT');
  assert.is(events.length, 1, text);
  return { event: events[0]!, method: String((parsed.vcalendar as { method?: string } | undefined)?.method) };
}

mail('a reminder says who, with whom, what, when (naming the zone), how long and where; its HTML is escaped; its .ics adds the appointment', async () => {
  const { inbox, activities, app, token } = await setUp({ PRACTICE_NAME: 'Smile & Co <Dental>', PRACTICE_ADDRESS: 'Hauptstraße 1, 10115 Berlin', PRACTICE_PHONE: '+49 30 1234567' });
  const patient = await newPatient(app, token, { first_name: 'Anna <i>&' });
  const lastName = (await call(app, 'GET', `/api/dental/patient/${patient.id}`, { token })).body.patient.last_name as string;
  const dentist = await newDentist(app, token, { first_name: 'Ana', last_name: 'Smith' });
  const booked = await call(app, 'POST', '/api/dental/appointments', {
    token,
    json: { patient_id: patient.id, dentist_id: dentist.id, appointment_date: '2031-12-15T10:00', duration: 45, appointment_type: 'cleaning', reason: 'Bleeding gums', notes: 'Anxious patient' },
  });
  assert.is(booked.status, 201, booked.text);
  const appointment = booked.body.appointment as { id: number; appointment_date: string };
  const scheduledFor = new Date(Date.parse(appointment.appointment_date) - 120 * 60_000).toISOString();
  assert.is(await activities.sendReminder({ appointmentId: appointment.id, offsetMinutes: 120, scheduledFor }), 'sent');

  const [reminder] = await inbox.messagesTo(patient.email);
  assert.is(reminder!.subject, 'Reminder: your appointment at Smile & Co <Dental> on Monday, 15 December 2031 at 10:00');
  for (const expected of [
    'Hello Anna <i>&,',
    'When:    Monday, 15 December 2031 at 10:00 CET (Europe/Berlin)',
    'Length:  45 minutes, until 10:45',
    'Dentist: Dr. Ana Smith',
    'Type:    Cleaning',
    'Where:   Smile & Co <Dental>, Hauptstraße 1, 10115 Berlin',
    'Call us on +49 30 1234567',
  ]) {
    assert.ok(reminder!.text.includes(expected), `the text says "${expected}":\n${reminder!.text}`);
  }
  const links = reminder!.text.match(/http:\/\/\S+\/api\/dental\/answer\/\S+/g) ?? [];
  assert.equal(links.map((link) => link.split('/').pop()!.split('.')[1]), ['confirm', 'cancel'], 'a Confirm and a Cancel link');
  for (const secret of [lastName, 'Bleeding gums', 'Anxious patient']) {
    assert.not.ok(`${reminder!.subject}${reminder!.text}${reminder!.html}${reminder!.calendar}`.includes(secret), `the mail does not carry "${secret}"`);
  }

  assert.ok(reminder!.html.includes('Hello Anna &lt;i&gt;&amp;,'), 'the name is escaped in HTML');
  assert.ok(reminder!.html.includes('Smile &amp; Co &lt;Dental&gt;'));
  assert.not.ok(/<i>|<Dental>/.test(reminder!.html), 'nothing of the data is markup');
  for (const link of links) assert.ok(reminder!.html.includes(`href="${link}"`), 'the HTML has the same links');

  const { event, method } = calendarEvent(reminder!.calendar);
  assert.is(method, 'REQUEST');
  assert.is(event.uid, `appointment-${appointment.id}@127.0.0.1`);
  assert.is(Number(event.sequence), 0);
  assert.is(event.start.toISOString(), '2031-12-15T09:00:00.000Z');
  assert.is(event.end?.toISOString(), '2031-12-15T09:45:00.000Z');
  assert.is(event.summary, 'Cleaning at Smile & Co <Dental>');
  assert.is(event.location, 'Smile & Co <Dental>, Hauptstraße 1, 10115 Berlin');
});

mail('a move and a cancellation are one notice each, whose entry updates (SEQUENCE) and then removes (METHOD:CANCEL) the patient’s', async () => {
  const { inbox, activities, app, token } = await setUp();
  const patient = await newPatient(app, token);
  const booked = (await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: patient.id, dentist_id: (await newDentist(app, token)).id, appointment_date: '2032-03-01T09:00' } })).body.appointment;
  await activities.sendReminder({ appointmentId: booked.id, offsetMinutes: 1440, scheduledFor: new Date(Date.parse(booked.appointment_date) - 1440 * 60_000).toISOString() });
  assert.is(await activities.sendAppointmentNotice({ appointmentId: booked.id }), 'nothing_to_tell', 'unchanged: nothing to tell');

  const moved = await call(app, 'PUT', `/api/dental/appointment/${booked.id}`, { token, json: { appointment_date: '2032-03-02T11:30' } });
  assert.is(moved.status, 200, moved.text);
  assert.is(await activities.sendAppointmentNotice({ appointmentId: booked.id }), 'sent');
  assert.is(await activities.sendAppointmentNotice({ appointmentId: booked.id }), 'already_sent', 'a retry sends no second notice');
  const [reminder, movedNotice] = await inbox.messagesTo(patient.email, 2);
  assert.is(movedNotice!.subject, 'Changed: your appointment at Qhitz Dental is now on Tuesday, 2 March 2032 at 11:30');
  assert.ok(movedNotice!.text.includes('When:    Tuesday, 2 March 2032 at 11:30 CET (Europe/Berlin)'), movedNotice!.text);
  const newLinks = movedNotice!.text.match(/\/api\/dental\/answer\/\S+/g) ?? [];
  assert.is(newLinks.length, 2);
  assert.ok(newLinks.every((link) => link.includes(`.${Date.parse('2032-03-02T10:30:00Z')}.`)), 'its links are for the new time');
  const before = calendarEvent(reminder!.calendar).event;
  const after = calendarEvent(movedNotice!.calendar);
  assert.is(after.method, 'REQUEST');
  assert.is(after.event.uid, before.uid, 'the same entry');
  assert.is(Number(after.event.sequence), 1, 'a newer version of it');
  assert.is(after.event.start.toISOString(), '2032-03-02T10:30:00.000Z');

  assert.is((await call(app, 'DELETE', `/api/dental/appointment/${booked.id}`, { token })).status, 200);
  assert.is(await activities.sendAppointmentNotice({ appointmentId: booked.id }), 'sent');
  const cancelled = (await inbox.messagesTo(patient.email, 3))[2]!;
  assert.is(cancelled.subject, 'Cancelled: your appointment at Qhitz Dental on Tuesday, 2 March 2032 at 11:30');
  assert.not.match(cancelled.text, /\/api\/dental\/answer\//, 'nothing left to answer');
  const removal = calendarEvent(cancelled.calendar);
  assert.is(removal.method, 'CANCEL');
  assert.is(removal.event.uid, before.uid);
  assert.is(Number(removal.event.sequence), 2);
  assert.is(removal.event.status, 'CANCELLED');
  const recorded = (await call(app, 'GET', `/api/dental/appointment/${booked.id}/reminders`, { token })).body.notices;
  assert.equal(recorded.map((notice: { kind: string; calendar_sequence: number; status: string }) => [notice.kind, notice.calendar_sequence, notice.status]), [['moved', 1, 'sent'], ['cancelled', 2, 'sent']]);
});

mail('the workflow sends a notice of each move, new length and cancellation once a reminder has reached the patient', async () => {
  // A reminder 1 minute before an appointment 70 s away goes out in ~10 s (recorded: the test worker has no SMTP_URL).
  const app = await dentalApp({ DENTAL_REMINDER_OFFSETS: [1] });
  const token = await staffToken();
  const booked = (await call(app, 'POST', '/api/dental/appointments', {
    token,
    json: { patient_id: (await newPatient(app, token)).id, dentist_id: (await newDentist(app, token)).id, appointment_date: new Date(Date.now() + 70_000).toISOString(), duration: 10 },
  })).body.appointment;
  const messages = () => call(app, 'GET', `/api/dental/appointment/${booked.id}/reminders`, { token }).then((answer) => answer.body as { reminders: Array<{ status: string }>; notices: Array<{ kind: string; status: string }> });
  const until = async (what: string, done: (state: Awaited<ReturnType<typeof messages>>) => boolean) => {
    const deadline = Date.now() + 40_000;
    for (;;) {
      const state = await messages();
      if (done(state)) return state;
      if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(state)}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  };
  await until('the reminder', (state) => state.reminders.some((reminder) => reminder.status === 'sent'));
  assert.equal((await messages()).notices, [], 'no notice before anything changed');
  const later = new Date(Date.parse(booked.appointment_date) + 3_600_000).toISOString();
  assert.is((await call(app, 'PUT', `/api/dental/appointment/${booked.id}`, { token, json: { appointment_date: later } })).status, 200);
  await until('the notice of the move', (state) => state.notices.length === 1);
  assert.is((await call(app, 'PUT', `/api/dental/appointment/${booked.id}`, { token, json: { duration: 40 } })).status, 200);
  await until('the notice of the new length', (state) => state.notices.length === 2);
  assert.is((await call(app, 'DELETE', `/api/dental/appointment/${booked.id}`, { token })).status, 200);
  const { notices } = await until('the notice of the cancellation', (state) => state.notices.length === 3);
  assert.equal(notices.map((notice) => [notice.kind, notice.status]), [['moved', 'sent'], ['moved', 'sent'], ['cancelled', 'sent']]);
  const { temporal } = await getStack();
  const result = (await temporal.workflow.getHandle(`appointment-${booked.id}`).result()) as { outcome: string };
  assert.is(result.outcome, 'over', 'the workflow ends with the cancellation');
});

mail.run();
