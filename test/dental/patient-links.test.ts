// A patient answers a reminder without an account: the Confirm and Cancel links of a real reminder
// (read back from a real SMTP server) are opened and pressed against the dental API, and the answer
// reaches the appointment's workflow. Opening changes nothing; pressing confirms or cancels once (the
// cancellation frees the slot and stops the reminders); and tampered, re-purposed, expired, moved and
// cancelled links are refused with a page that says so.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { H3 } from 'h3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDentalActivities } from '../../activities/dental.js';
import { createPatientLinks } from '../../core/dental/patient-links.js';
import type { Config } from '../../config/index.js';
import { patientAnswerUpdate } from '../../workflows/appointment-contract.js';
import { call } from '../support/http.js';
import { testInbox } from '../support/mail-inbox.js';
import { getStack } from '../support/stack.js';
import { dentalApp, futureSlot, newDentist, newPatient, staffToken, startingIn, waitUntilPast } from './support.js';

const links = suite('patient links');
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

async function setUp() {
  const stack = await getStack();
  const inbox = await testInbox();
  const settings: Partial<Config> = { SMTP_URL: inbox.smtpUrl, PRACTICE_TIME_ZONE: 'Europe/Berlin' };
  const config = { ...stack.config, ...settings };
  const activities = createDentalActivities({ config, logger: stack.logger, pools: stack.pools });
  const app = await dentalApp(settings);
  const token = await staffToken();
  const book = async (appointmentDate = futureSlot(10)) => {
    const patient = await newPatient(app, token);
    const booked = await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: patient.id, dentist_id: (await newDentist(app, token)).id, appointment_date: appointmentDate } });
    assert.is(booked.status, 201, booked.text);
    return { ...(booked.body.appointment as { id: number; appointment_date: string; dentist_id: number }), email: patient.email };
  };
  /** The Confirm and Cancel paths of the reminder the patient received. */
  const remind = async (appointment: { id: number; appointment_date: string; email: string }) => {
    const scheduledFor = new Date(Date.parse(appointment.appointment_date) - 60_000).toISOString();
    assert.is(await activities.sendReminder({ appointmentId: appointment.id, offsetMinutes: 1, scheduledFor }), 'sent');
    const [reminder] = await inbox.messagesTo(appointment.email);
    const [confirm, cancel] = (reminder!.text.match(/\/api\/dental\/answer\/\S+/g) ?? []) as [string, string];
    assert.ok(confirm?.includes('.confirm.') && cancel?.includes('.cancel.'), reminder!.text);
    return { confirm, cancel };
  };
  const appointmentOf = async (id: number) => (await call(app, 'GET', `/api/dental/appointment/${id}`, { token })).body as { appointment: { status: string; appointment_date: string }; history: Array<{ from_status: string; to_status: string; channel: string }> };
  return { stack, config, app, token, book, remind, appointmentOf };
}

const page = (app: H3, method: string, path: string, headers: Record<string, string> = BROWSER) => call(app, method, path, { headers });

links('opening a link changes nothing; pressing Confirm confirms through the workflow, once', async () => {
  const { stack, app, book, remind, appointmentOf } = await setUp();
  const appointment = await book();
  const { confirm, cancel } = await remind(appointment);

  for (const path of [confirm, cancel]) {
    const opened = await page(app, 'GET', path);
    assert.is(opened.status, 200, opened.text);
    assert.match(opened.headers.get('content-type') ?? '', /^text\/html/);
    assert.is(opened.headers.get('cache-control'), 'no-store');
    assert.is(opened.headers.get('referrer-policy'), 'no-referrer');
    assert.match(opened.text, /<form method="post"><button type="submit"/);
    assert.is((await page(app, 'HEAD', path)).status, 200);
    const asJson = await page(app, 'GET', path, {});
    assert.equal([asJson.body.answered, asJson.body.status], [false, 'scheduled']);
  }
  assert.match((await page(app, 'GET', confirm)).text, /Confirm my appointment/);
  let now = await appointmentOf(appointment.id);
  assert.equal([now.appointment.status, now.history], ['scheduled', []], 'opening (as a mail scanner does) changed nothing');

  const pressed = await page(app, 'POST', confirm);
  assert.is(pressed.status, 200, pressed.text);
  assert.match(pressed.text, /your appointment is confirmed/);
  now = await appointmentOf(appointment.id);
  assert.is(now.appointment.status, 'confirmed');
  assert.equal(now.history.map((change) => [change.from_status, change.to_status, change.channel]), [['scheduled', 'confirmed', 'patient_link']]);
  const workflow = stack.temporal.workflow.getHandle(`appointment-${appointment.id}`);
  assert.is(((await workflow.query('getState')) as { appointment: { status: string } }).appointment.status, 'confirmed', 'the workflow holds the answer');
  const attributes = (await workflow.describe()).typedSearchAttributes;
  assert.is(attributes.get({ name: 'AppointmentStatus', type: 'KEYWORD' } as never), 'confirmed', 'staff find it in the Web UI');

  const again = await page(app, 'POST', confirm, {});
  assert.equal([again.status, again.body.answered, again.body.message], [200, false, 'Your appointment is already confirmed. Thank you!']);
  assert.match((await page(app, 'GET', confirm)).text, /already confirmed/);
  assert.is((await appointmentOf(appointment.id)).history.length, 1, 'a replayed link records nothing more');
});

links('pressing Cancel cancels: the slot is free at once and the reminders stop', async () => {
  const { stack, app, token, book, remind, appointmentOf } = await setUp();
  const appointment = await book();
  const { confirm, cancel } = await remind(appointment);
  const workflow = stack.temporal.workflow.getHandle(`appointment-${appointment.id}`);
  assert.ok(((await workflow.query('getState')) as { nextReminder: unknown }).nextReminder, 'a reminder was still to come');

  const pressed = await page(app, 'POST', cancel, {});
  assert.equal([pressed.status, pressed.body.answered, pressed.body.status], [200, true, 'cancelled'], pressed.text);
  const now = await appointmentOf(appointment.id);
  assert.is(now.appointment.status, 'cancelled');
  assert.equal(now.history.map((change) => [change.to_status, change.channel]), [['cancelled', 'patient_link']]);
  const result = (await workflow.result()) as { outcome: string; nextReminder: unknown };
  assert.equal([result.outcome, result.nextReminder], ['over', null], 'the workflow stopped: no reminder follows');

  const retaken = await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: (await newPatient(app, token)).id, dentist_id: appointment.dentist_id, appointment_date: appointment.appointment_date } });
  assert.is(retaken.status, 201, 'the dentist’s time is free again');
  const confirmAfter = await page(app, 'POST', confirm);
  assert.is(confirmAfter.status, 409);
  assert.match(confirmAfter.text, /This appointment was cancelled/);
  assert.equal([(await page(app, 'GET', cancel, {})).body.message, (await page(app, 'POST', cancel, {})).status], ['Your appointment is already cancelled.', 200]);
});

links('tampered, re-purposed, moved and unknown links are refused with a page that says so, and change nothing', async () => {
  const { config, app, token, book, remind, appointmentOf } = await setUp();
  const appointment = await book();
  const { confirm, cancel } = await remind(appointment);
  const signature = confirm.split('.').pop()!;
  const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
  const refusals: Array<[string, string, number, string]> = [
    ['tampered signature', confirm.replace(signature, flipped), 404, 'invalid_link'],
    ['a confirm link made to cancel', confirm.replace('.confirm.', '.cancel.'), 404, 'invalid_link'],
    ['another appointment', confirm.replace(`/answer/${appointment.id}.`, `/answer/${appointment.id + 1}.`), 404, 'invalid_link'],
    ['not a link', '/api/dental/answer/hello', 404, 'invalid_link'],
    ['an appointment that does not exist', createPatientLinks(config).url({ appointmentId: 987654321, answer: 'cancel', startsAt: Date.now() + 3_600_000 }).replace(/^https?:\/\/[^/]+/, ''), 404, 'invalid_link'],
  ];
  for (const [what, path, status, error] of refusals) {
    for (const method of ['GET', 'POST']) {
      const answer = await page(app, method, path, {});
      assert.equal([answer.status, answer.body.error], [status, error], `${what} (${method}): ${answer.text}`);
    }
    const shown = await page(app, 'POST', path);
    assert.equal([shown.status, shown.headers.get('content-type')?.startsWith('text/html')], [status, true], `${what}: a page for a browser`);
    assert.match(shown.text, /This link is not valid/);
  }

  const later = new Date(Date.parse(appointment.appointment_date) + 2 * 3_600_000).toISOString();
  assert.is((await call(app, 'PUT', `/api/dental/appointment/${appointment.id}`, { token, json: { appointment_date: later } })).status, 200);
  for (const path of [confirm, cancel]) {
    const refused = await page(app, 'POST', path);
    assert.is(refused.status, 410, refused.text);
    assert.match(refused.text, /has moved since/);
    assert.is((await page(app, 'GET', path, {})).body.error, 'appointment_moved');
  }
  const now = await appointmentOf(appointment.id);
  assert.equal([now.appointment.status, now.history], ['scheduled', []], 'no refused link changed anything');
});

links('a link expires when its appointment begins', async () => {
  const { config, app, book, appointmentOf } = await setUp();
  const appointment = await book(await startingIn(3));
  const confirm = createPatientLinks(config).url({ appointmentId: appointment.id, answer: 'confirm', startsAt: Date.parse(appointment.appointment_date) }).replace(/^https?:\/\/[^/]+/, '');
  assert.is((await page(app, 'GET', confirm)).status, 200, 'before the start it works');
  await waitUntilPast(appointment.appointment_date);
  for (const method of ['GET', 'POST']) {
    const expired = await page(app, method, confirm, {});
    assert.equal([expired.status, expired.body.error], [410, 'link_expired'], expired.text);
  }
  assert.match((await page(app, 'POST', confirm)).text, /already begun or passed/);
  assert.is((await appointmentOf(appointment.id)).appointment.status, 'scheduled');
});

links('the workflow itself refuses an answer for a time the appointment no longer has', async () => {
  const { stack, book, appointmentOf } = await setUp();
  const appointment = await book();
  const stale = new Date(Date.parse(appointment.appointment_date) - 3_600_000).toISOString();
  try {
    await stack.temporal.workflow.getHandle(`appointment-${appointment.id}`).executeUpdate(patientAnswerUpdate, { args: [{ answer: 'cancel', appointmentAt: stale, respondBy: Date.now() + 5000 }] });
    assert.unreachable('a stale answer must be refused');
  } catch (error) {
    assert.instance(error, WorkflowUpdateFailedError);
    assert.is(((error as WorkflowUpdateFailedError).cause as { type?: string }).type, 'AppointmentMoved');
  }
  assert.is((await appointmentOf(appointment.id)).appointment.status, 'scheduled');
});

links.run();
