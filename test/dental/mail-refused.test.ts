// A mail server that refuses a patient's address for good (SMTP 5xx): the reminder is recorded as
// failed at once, without the server's text (it may quote the address), and the appointment's workflow
// goes on looking after the appointment — its later changes and answers still work — instead of
// failing with the mail.
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDentalActivities } from '../../activities/dental.js';
import { nextAppointmentId } from '../../db/dental/appointments.js';
import { temporalConnectionOptions } from '../../temporal/connection.js';
import { temporalDataConverter } from '../../temporal/data-converter.js';
import { loadWorkflowBundle } from '../../worker/bundle.js';
import { bookUpdate, getStateQuery, setStatusUpdate } from '../../workflows/appointment-contract.js';
import { appointmentWorkflow } from '../../workflows/dental.js';
import { call } from '../support/http.js';
import { getStack } from '../support/stack.js';
import { onTeardown } from '../support/teardown.js';
import { dentalApp, newDentist, newPatient, staffToken } from './support.js';

const refused = suite('a patient address the mail server refuses');

/** A real SMTP conversation that ends in `550 No such user` at RCPT TO. */
async function refusingMailServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((socket) => {
    socket.write('220 refuser ESMTP\r\n');
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n')) >= 0) {
        const command = buffered.slice(0, end).toUpperCase();
        buffered = buffered.slice(end + 2);
        if (command.startsWith('EHLO') || command.startsWith('HELO')) socket.write('250 refuser\r\n');
        else if (command.startsWith('MAIL FROM')) socket.write('250 OK\r\n');
        else if (command.startsWith('RCPT TO')) socket.write(`550 5.1.1 <${command.slice(9)}> No such user here\r\n`);
        else if (command.startsWith('QUIT')) socket.end('221 Bye\r\n');
        else socket.write('250 OK\r\n');
      }
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTeardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return { url: `smtp://127.0.0.1:${port}`, server };
}

async function setUp() {
  const stack = await getStack();
  const smtp = await refusingMailServer();
  const config = { ...stack.config, SMTP_URL: smtp.url };
  const app = await dentalApp({ SMTP_URL: smtp.url });
  const token = await staffToken();
  return { stack, config, app, token };
}

refused('the reminder is final at once: failed, with the SMTP code and without the address', async () => {
  const { stack, config, app, token } = await setUp();
  const activities = createDentalActivities({ config, logger: stack.logger, pools: stack.pools });
  const patient = await newPatient(app, token);
  const booked = (await call(app, 'POST', '/api/dental/appointments', {
    token,
    json: { patient_id: patient.id, dentist_id: (await newDentist(app, token)).id, appointment_date: new Date(Math.ceil(Date.now() / 1000 + 3600) * 1000).toISOString() },
  })).body.appointment;
  const scheduledFor = new Date(Date.parse(booked.appointment_date) - 30 * 60_000).toISOString();
  const failure = await activities.sendReminder({ appointmentId: booked.id, offsetMinutes: 30, scheduledFor }).then(
    () => null,
    (error: unknown) => error as { type?: string; nonRetryable?: boolean; message: string },
  );
  assert.equal([failure?.type, failure?.nonRetryable], ['MailRefused', true], String(failure?.message));
  const [reminder] = (await call(app, 'GET', `/api/dental/appointment/${booked.id}/reminders`, { token })).body.reminders;
  assert.equal([reminder.status, reminder.error], ['failed', 'The mail server refused the message for good (SMTP 550)']);
  assert.not.match(JSON.stringify(reminder), patient.email);
});

refused('the workflow gives the refused reminder up and goes on answering changes', async () => {
  const { stack, config, app, token } = await setUp();
  // Its own worker and task queue: the same workflow bundle and activities, with this mail server.
  const taskQueue = `dental-refused-${process.pid}`;
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const bundle = await loadWorkflowBundle();
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue,
    workflowBundle: 'codePath' in bundle ? bundle : { code: bundle.code, sourceMap: bundle.sourceMap },
    dataConverter: temporalDataConverter(config),
    activities: createDentalActivities({ config, logger: stack.logger, pools: stack.pools }),
  });
  const running = worker.run();
  onTeardown(async () => {
    worker.shutdown();
    await running;
    await connection.close();
  });

  const appointmentId = await nextAppointmentId(stack.pools.dental);
  const startsAt = new Date(Math.ceil((Date.now() + 65_000) / 1000) * 1000).toISOString();
  const workflowId = `appointment-${appointmentId}`;
  await stack.temporal.workflow.executeUpdateWithStart(bookUpdate, {
    args: [{
      appointmentId,
      patientId: (await newPatient(app, token)).id,
      dentistId: (await newDentist(app, token)).id,
      startsAt,
      duration: 30,
      appointmentType: 'checkup',
      reason: null,
      notes: null,
      respondBy: Date.now() + 10_000,
    }],
    startWorkflowOperation: new WithStartWorkflowOperation(appointmentWorkflow, {
      workflowId,
      taskQueue,
      args: [{ appointmentId, reminderOffsetsMinutes: [1] }],
      workflowIdConflictPolicy: 'FAIL',
    }),
  });
  const handle = stack.temporal.workflow.getHandle(workflowId);
  // The reminder falls due ~5 s from now and is refused.
  const deadline = Date.now() + 30_000;
  let reminders: Array<{ status: string }> = [];
  while (!reminders.some((reminder) => reminder.status === 'failed')) {
    if (Date.now() > deadline) throw new Error(`the reminder: ${JSON.stringify(reminders)}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    reminders = (await call(app, 'GET', `/api/dental/appointment/${appointmentId}/reminders`, { token })).body.reminders ?? [];
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.is((await handle.describe()).status.name, 'RUNNING', 'the workflow outlives the refused mail');
  assert.is((await handle.query(getStateQuery)).remindersSent, 0);
  const cancelled = await handle.executeUpdate(setStatusUpdate, { args: ['cancelled', Date.now() + 10_000] });
  assert.is(cancelled.status, 'cancelled', 'a change after the refusal is still taken');
  assert.is(((await handle.result()) as { outcome: string }).outcome, 'over');
});

refused.run();
