// What operations staff rely on: workflows started through the product are found by the queries the
// README gives, both with the client's list API and with the `temporal` CLI, and carry readable
// summaries. Visibility is eventually consistent, so each lookup polls until a deadline.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { newUserId, startCloud } from '../cloud/client.js';
import { dentalApp, futureSlot, newDentist, newPatient, staffToken } from '../dental/support.js';
import { call, tokenFor } from '../support/http.js';
import { getStack } from '../support/stack.js';

const test = suite('finding workflows');
const run = promisify(execFile);

async function listed(query: string): Promise<string[]> {
  const { temporal } = await getStack();
  const ids: string[] = [];
  for await (const execution of temporal.workflow.list({ query })) ids.push(execution.workflowId);
  return ids;
}

async function listedByCli(query: string): Promise<Array<{ execution: { workflowId: string } }>> {
  const { config } = await getStack();
  const { stdout } = await run('temporal', ['workflow', 'list', '--address', config.TEMPORAL_ADDRESS, '--namespace', config.TEMPORAL_NAMESPACE, '--query', query, '-o', 'json']);
  const text = stdout.trim();
  return text ? JSON.parse(text) : [];
}

async function eventually<T>(what: string, check: () => Promise<T | false>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await check();
    if (value !== false) return value;
    if (Date.now() > deadline) throw new Error(`not found in time: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test('an appointment is found by dentist and status, by the client and by the CLI, with its summary', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const [patient, dentist] = await Promise.all([newPatient(app, token, { first_name: 'Olga' }), newDentist(app, token, { last_name: 'Moreau' })]);
  const booked = await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: patient.id, dentist_id: dentist.id, appointment_date: futureSlot(9, 30), appointment_type: 'Checkup' } });
  assert.is(booked.status, 201, booked.text);
  const workflowId = booked.body.workflow_id as string;

  const query = `AppointmentStatus="scheduled" AND DentistId=${dentist.id}`;
  assert.equal(await eventually(query, async () => ((await listed(query)).length ? listed(query) : false)), [workflowId]);
  const fromCli = await eventually(`${query} (CLI)`, async () => ((await listedByCli(query)).length ? listedByCli(query) : false));
  assert.equal(fromCli.map((row) => row.execution.workflowId), [workflowId]);

  const { temporal } = await getStack();
  const description = await temporal.workflow.getHandle(workflowId).describe();
  assert.match((await description.staticSummary()) ?? '', new RegExp(`^Checkup — Olga .* with Dr\\. Moreau, \\d{4}-\\d{2}-\\d{2} 09:30$`));

  const cancelled = await call(app, 'DELETE', `/api/dental/appointment/${booked.body.appointment.id}`, { token });
  assert.is(cancelled.status, 200, cancelled.text);
  const nowCancelled = `AppointmentStatus="cancelled" AND DentistId=${dentist.id}`;
  assert.equal(await eventually(nowCancelled, async () => ((await listed(nowCancelled)).length ? listed(nowCancelled) : false)), [workflowId]);
});

test('a share link is found by its expiry, and its workflow by owner', async () => {
  const cloud = await startCloud();
  const ownerId = newUserId();
  const token = await tokenFor({ id: ownerId });
  const file = (await cloud.upload(token, [['report.pdf', 'quarterly report']])).body.files[0];
  const created = await cloud.api('POST', `/api/cloud/share/${file.id}`, token, { expires_in: 3600 });
  assert.is(created.status, 201, JSON.stringify(created.body));
  const soon = new Date(Date.now() + 2 * 3600_000).toISOString();
  const query = `WorkflowType="shareLinkWorkflow" AND OwnerId=${ownerId} AND ShareExpiresAt < "${soon}"`;
  const ids = await eventually(query, async () => ((await listed(query)).length ? listed(query) : false));
  assert.is(ids.length, 1);
  const { temporal } = await getStack();
  const description = await temporal.workflow.getHandle(ids[0]!).describe();
  assert.match((await description.staticSummary()) ?? '', /report\.pdf/);
  const cli = await eventually(`${query} (CLI)`, async () => ((await listedByCli(query)).length ? listedByCli(query) : false));
  assert.equal(cli.map((row) => row.execution.workflowId), ids);
});

test.run();
