// Patients' health data never reaches Temporal readable (issue #16, item 3). An appointment is booked
// with a sensitive reason and notes, edited, moved and cancelled through the API, and a conflicting
// booking is refused; then the workflows' histories are read the way anyone who can reach Temporal
// could read them: over the server's own API, with no codec. Neither the reason, the notes, the
// patient's name nor a failure's message may appear in them anywhere, while the API, our clients,
// the codec endpoint (with a staff token) and the `temporal` CLI pointed at that endpoint read them.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDentalApp } from '../../api/dental/app.js';
import { startHttpServer } from '../../api/shared/server.js';
import { temporalDataConverter } from '../../temporal/data-converter.js';
import { ENCRYPTED_ENCODING } from '../../temporal/payload-codec.js';
import { loadWorkflowBundle } from '../../worker/bundle.js';
import { getStateQuery } from '../../workflows/appointment-contract.js';
import { dentalApp, futureSlot, newDentist, newPatient, staffToken } from '../dental/support.js';
import { call } from '../support/http.js';
import { ensureWorkers, getStack } from '../support/stack.js';
import { onTeardown } from '../support/teardown.js';

type History = NonNullable<Awaited<ReturnType<Connection['workflowService']['getWorkflowExecutionHistory']>>['history']>;

const test = suite('health data in Temporal histories');
const run = promisify(execFile);
const BUNDLED_CLI = new URL('../../.tools/bin/temporal', import.meta.url).pathname;
const CLI = existsSync(BUNDLED_CLI) ? BUNDLED_CLI : 'temporal';

/** A workflow's whole history as the Temporal server hands it to anyone: a connection with no codec. */
async function rawHistory(workflowId: string): Promise<History> {
  const { config } = await getStack();
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const events: History['events'] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await connection.workflowService.getWorkflowExecutionHistory({
        namespace: config.TEMPORAL_NAMESPACE,
        execution: { workflowId },
        nextPageToken,
      });
      events.push(...(page.history?.events ?? []));
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    return { events } as History;
  } finally {
    await connection.close();
  }
}

/** Every string and every byte string (read as UTF-8) anywhere in a value: what a reader could find. */
function everyText(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') found.push(value);
  else if (value instanceof Uint8Array) found.push(Buffer.from(value).toString('utf8'));
  else if (value && typeof value === 'object') for (const item of Object.values(value)) everyText(item, found);
  return found;
}

/**
 * Every payload in a history but two kinds the SDK keeps plaintext, which the text checks above still
 * cover: search attributes (indexed by the server: ids, times, statuses) and the bookkeeping of a local
 * activity's marker (sequence, attempt, activity type, times), written and read by the SDK's core.
 */
function payloadsOf(value: unknown, path = '', found: Payload[] = []): Payload[] {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return found;
  if (path.endsWith('.searchAttributes') || path.endsWith('markerRecordedEventAttributes.details.data')) return found;
  const record = value as Record<string, unknown>;
  if (record.metadata && typeof record.metadata === 'object' && 'data' in record) found.push(record as Payload);
  for (const [key, item] of Object.entries(record)) payloadsOf(item, `${path}.${key}`, found);
  return found;
}

const encodingOf = (payload: Payload) => Buffer.from(payload.metadata?.encoding ?? []).toString();

test('a booked, edited, moved and cancelled appointment leaves no reason, notes, name or failure message readable in Temporal', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const tag = randomUUID().slice(0, 8);
  const secrets = {
    firstName: `Zebulon${tag}`,
    lastName: `Quixotic${tag}`,
    reason: `severe pain, HIV+ patient ${tag}`,
    notes: `on antiretrovirals, anxious ${tag}`,
    newReason: `abscess after extraction ${tag}`,
    newNotes: `penicillin allergy ${tag}`,
  };
  const patient = await newPatient(app, token, { first_name: secrets.firstName, last_name: secrets.lastName });
  const dentist = await newDentist(app, token);
  const slot = futureSlot(11);
  const booked = await call(app, 'POST', '/api/dental/appointments', {
    token,
    json: { patient_id: patient.id, dentist_id: dentist.id, appointment_date: slot, reason: secrets.reason, notes: secrets.notes },
  });
  assert.is(booked.status, 201, booked.text);
  const { appointment, workflow_id: workflowId } = booked.body;

  // Someone else's booking of the same slot is refused inside its own workflow: a failure with details.
  const other = await newPatient(app, token);
  const clash = await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: other.id, dentist_id: dentist.id, appointment_date: slot } });
  assert.is(clash.status, 409, clash.text);
  const failureMessage = clash.body.message as string;
  assert.ok(failureMessage.length > 10, 'the API still reads the failure’s message');

  const edited = await call(app, 'PUT', `/api/dental/appointment/${appointment.id}`, { token, json: { reason: secrets.newReason, notes: secrets.newNotes } });
  assert.is(edited.status, 200, edited.text);
  const moved = await call(app, 'PUT', `/api/dental/appointment/${appointment.id}`, { token, json: { appointment_date: futureSlot(14) } });
  assert.is(moved.status, 200, moved.text);
  assert.equal([moved.body.appointment.reason, moved.body.appointment.notes], [secrets.newReason, secrets.newNotes], 'the update’s result carries the new text');
  const { temporal } = await getStack();
  const state = await temporal.workflow.getHandle(workflowId).query(getStateQuery);
  assert.equal([state.appointment?.reason, state.appointment?.notes], [secrets.newReason, secrets.newNotes], 'our client decrypts what the worker wrote');
  assert.is((await call(app, 'DELETE', `/api/dental/appointment/${appointment.id}`, { token })).status, 200);
  await temporal.workflow.getHandle(workflowId).result();

  const refusedId = `appointment-${appointment.id + 1}`;
  assert.is((await temporal.workflow.getHandle(refusedId).describe()).typedSearchAttributes.get({ name: 'PatientId', type: 'INT' } as never), other.id, 'the refused booking had the next id');
  const histories = { booked: await rawHistory(workflowId), refused: await rawHistory(refusedId) };
  for (const [which, history] of Object.entries(histories)) {
    const text = everyText(history).join('\n');
    for (const [name, secret] of Object.entries({ ...secrets, failureMessage })) {
      assert.not.ok(text.includes(secret), `the ${which} workflow's history shows the ${name} in plaintext`);
    }
    const payloads = payloadsOf(history);
    assert.ok(payloads.length >= 4, `the ${which} history has payloads (${payloads.length})`);
    assert.equal(payloads.map(encodingOf).filter((encoding) => encoding !== ENCRYPTED_ENCODING), [], `every payload of the ${which} history is encrypted`);
  }
  assert.ok(
    histories.refused.events!.some((event) => event.workflowExecutionUpdateCompletedEventAttributes?.outcome?.failure?.message === 'Encoded failure'),
    'the refusal is recorded with its message encoded',
  );

  // The codec endpoint, with a staff token, decrypts the booking's arguments for operations staff.
  const accepted = histories.booked.events!.find((event) => event.workflowExecutionUpdateAcceptedEventAttributes)!;
  const bookingArgs = accepted.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.args!.payloads!;
  const asJson = (payload: Payload) => ({ metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])), data: Buffer.from(payload.data ?? []).toString('base64') });
  const decoded = await call(app, 'POST', '/api/temporal-codec/decode', { token, json: { payloads: bookingArgs.map(asJson) } });
  assert.is(decoded.status, 200, decoded.text);
  const request = JSON.parse(Buffer.from(decoded.body.payloads[0].data, 'base64').toString());
  assert.equal([request.reason, request.notes, request.patientId], [secrets.reason, secrets.notes, patient.id]);
});

test('the temporal CLI shows the history decrypted through the codec endpoint with a staff token, and encrypted without it', async () => {
  const stack = await getStack();
  await ensureWorkers();
  const server = await startHttpServer(createDentalApp({ ...stack.depsFor('dental'), guard: stack.guard }), { host: '127.0.0.1', port: 0, graceMs: 1000 });
  onTeardown(() => server.close());
  const app = await dentalApp();
  const token = await staffToken();
  const reason = `cracked molar, diabetic ${randomUUID().slice(0, 8)}`;
  const patient = await newPatient(app, token);
  const booked = await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: patient.id, dentist_id: (await newDentist(app, token)).id, appointment_date: futureSlot(9), reason } });
  assert.is(booked.status, 201, booked.text);
  // The history as the CLI prints it, every payload's data (base64 in its JSON) read as text.
  const show = async (...codec: string[]) => {
    const args = ['workflow', 'show', '--address', stack.config.TEMPORAL_ADDRESS, '--namespace', stack.config.TEMPORAL_NAMESPACE, '--workflow-id', booked.body.workflow_id, '-o', 'json', ...codec];
    const { stdout } = await run(CLI, args).catch((error: { stdout: string; stderr: string }) => ({ stdout: `${error.stdout}${error.stderr}` }));
    return stdout.replace(/"data": "([A-Za-z0-9+/=]*)"/g, (_, data: string) => Buffer.from(data, 'base64').toString());
  };
  assert.ok((await show('--codec-endpoint', `${server.url}/api/temporal-codec`, '--codec-auth', `Bearer ${token}`)).includes(reason), 'the CLI decodes through the endpoint');
  assert.not.ok((await show()).includes(reason), 'without the codec it shows ciphertext');
  assert.not.ok((await show('--codec-endpoint', `${server.url}/api/temporal-codec`)).includes(reason), 'without a token the endpoint decrypts nothing');
});

test('recorded encrypted histories replay with the data converter, and cannot be read without it', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const booked = await call(app, 'POST', '/api/dental/appointments', {
    token,
    json: { patient_id: (await newPatient(app, token)).id, dentist_id: (await newDentist(app, token)).id, appointment_date: futureSlot(16), reason: 'replay me' },
  });
  assert.is(booked.status, 201, booked.text);
  const history = await rawHistory(booked.body.workflow_id);
  const bundle = await loadWorkflowBundle();
  const workflowBundle = 'codePath' in bundle ? bundle : { code: bundle.code, sourceMap: bundle.sourceMap };
  const { config } = await getStack();
  await Worker.runReplayHistory({ workflowBundle, dataConverter: temporalDataConverter(config), replayName: 'encrypted' }, history, booked.body.workflow_id);
  let unreadable: unknown;
  try {
    await Worker.runReplayHistory({ workflowBundle, replayName: 'encrypted-no-codec' }, history, booked.body.workflow_id);
  } catch (error) {
    unreadable = error;
  }
  assert.ok(unreadable, 'a worker without the codec cannot replay an encrypted history');
});

test.run();
