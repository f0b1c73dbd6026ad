// What operations staff rely on (README, "Temporal Web UI for operations staff"): workflows started
// through the product (a booking, an upload, a share link) are found by the README's queries, both
// with the client's list API and with the `temporal` CLI, carry the search attributes those queries
// use, and have readable static summaries. Visibility is eventually consistent, so each lookup polls
// until it sees what it expects or a deadline passes.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createMediaApp } from '../../api/media/app.js';
import { startHttpServer } from '../../api/shared/server.js';
import { AppointmentAt, AppointmentStatus, DentistId, MediaFileId, MediaStatus, OwnerId, PatientId, ShareExpiresAt } from '../../workflows/search-attributes.js';
import { newUserId, startCloud } from '../cloud/client.js';
import { dentalApp, futureSlot, newDentist, newPatient, staffToken } from '../dental/support.js';
import { call, tokenFor } from '../support/http.js';
import { ensureWorkers, getStack } from '../support/stack.js';
import { onTeardown } from '../support/teardown.js';

const test = suite('finding workflows');
const run = promisify(execFile);
const BUNDLED_CLI = new URL('../../.tools/bin/temporal', import.meta.url).pathname;
const CLI = existsSync(BUNDLED_CLI) ? BUNDLED_CLI : 'temporal';
const DEADLINE_MS = 10_000;

/** Polls `look` until `wanted` holds of its value; fails with the last value seen. */
async function eventually<T>(what: string, look: () => Promise<T>, wanted: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await look();
    if (wanted(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${DEADLINE_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function listed(query: string): Promise<WorkflowExecutionInfo[]> {
  const { temporal } = await getStack();
  const executions: WorkflowExecutionInfo[] = [];
  for await (const execution of temporal.workflow.list({ query })) executions.push(execution);
  return executions;
}

interface CliRow {
  execution: { workflowId: string };
  type: { name: string };
  searchAttributes?: { indexedFields?: Record<string, { data: string }> };
}

async function listedByCli(query: string): Promise<CliRow[]> {
  const { config } = await getStack();
  const { stdout } = await run(CLI, ['workflow', 'list', '--address', config.TEMPORAL_ADDRESS, '--namespace', config.TEMPORAL_NAMESPACE, '--query', query, '-o', 'json']);
  const text = stdout.trim();
  return text ? (JSON.parse(text) as CliRow[]) : [];
}

/** A search attribute of a CLI row, decoded (the CLI prints payloads: base64 of their JSON). */
const cliAttribute = (row: CliRow, name: string): unknown => {
  const field = row.searchAttributes?.indexedFields?.[name];
  return field && JSON.parse(Buffer.from(field.data, 'base64').toString());
};

const ids = (rows: Array<{ workflowId: string } | CliRow>) => rows.map((row) => ('execution' in row ? row.execution.workflowId : row.workflowId)).sort();

/** The same query, through the client and through the CLI, until both list exactly `expected`. */
async function findsExactly(query: string, expected: string[]) {
  const byClient = await eventually(query, () => listed(query), (rows) => JSON.stringify(ids(rows)) === JSON.stringify([...expected].sort()));
  const byCli = await eventually(`${query} (CLI)`, () => listedByCli(query), (rows) => JSON.stringify(ids(rows)) === JSON.stringify([...expected].sort()));
  return { byClient, byCli };
}

async function staticSummary(workflowId: string): Promise<string | undefined> {
  const { temporal } = await getStack();
  return (await temporal.workflow.getHandle(workflowId).describe()).staticSummary();
}

test('an appointment is found by dentist and status, by day and while running; its summary gives ids and the time, no names', async () => {
  const app = await dentalApp();
  const token = await staffToken();
  const [patient, dentist] = await Promise.all([newPatient(app, token, { first_name: 'Olga' }), newDentist(app, token, { last_name: 'Moreau' })]);
  const slot = futureSlot(9, 30);
  const booked = await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: patient.id, dentist_id: dentist.id, appointment_date: slot, appointment_type: 'Checkup' } });
  assert.is(booked.status, 201, booked.text);
  const workflowId = booked.body.workflow_id as string;
  assert.is(workflowId, `appointment-${booked.body.appointment.id}`);

  const { byClient, byCli } = await findsExactly(`AppointmentStatus="scheduled" AND DentistId=${dentist.id}`, [workflowId]);
  const attributes = byClient[0]!.typedSearchAttributes;
  assert.equal(
    [attributes.get(PatientId), attributes.get(DentistId), attributes.get(AppointmentStatus), attributes.get(AppointmentAt)?.toISOString()],
    [patient.id, dentist.id, 'scheduled', new Date(booked.body.appointment.appointment_date).toISOString()],
  );
  assert.equal([cliAttribute(byCli[0]!, 'DentistId'), cliAttribute(byCli[0]!, 'AppointmentStatus'), byCli[0]!.type.name], [dentist.id, 'scheduled', 'appointmentWorkflow']);
  assert.is(await staticSummary(workflowId), `Appointment ${booked.body.appointment.id}: patient ${patient.id}, dentist ${dentist.id}, ${slot.slice(0, 10)} 09:30`);

  // The README's other appointment queries, narrowed to this dentist.
  const startsAt = new Date(booked.body.appointment.appointment_date);
  const day = (offset: number) => new Date(Date.UTC(startsAt.getUTCFullYear(), startsAt.getUTCMonth(), startsAt.getUTCDate() + offset)).toISOString().replace('.000', '');
  await findsExactly(`AppointmentAt BETWEEN "${day(0)}" AND "${day(1)}" AND DentistId=${dentist.id}`, [workflowId]);
  await findsExactly(`AppointmentAt BETWEEN "${day(1)}" AND "${day(2)}" AND DentistId=${dentist.id}`, []);
  await findsExactly(`WorkflowType="appointmentWorkflow" AND ExecutionStatus="Running" AND DentistId=${dentist.id}`, [workflowId]);

  const cancelled = await call(app, 'DELETE', `/api/dental/appointment/${booked.body.appointment.id}`, { token });
  assert.is(cancelled.status, 200, cancelled.text);
  await findsExactly(`AppointmentStatus="cancelled" AND DentistId=${dentist.id}`, [workflowId]);
  await findsExactly(`AppointmentStatus="scheduled" AND DentistId=${dentist.id}`, []);
});

test('indexing workflows are found by status (failed indexing included) and by file id, with their summaries', async () => {
  const stack = await getStack();
  await ensureWorkers();
  const server = await startHttpServer(createMediaApp({ ...stack.depsFor('media'), guard: stack.guard }), { host: '127.0.0.1', port: 0, graceMs: 1000 });
  onTeardown(() => server.close());
  const ownerId = newUserId();
  const token = await tokenFor({ id: ownerId });
  const upload = async (data: Buffer, name: string) => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(data)]), name);
    const response = await fetch(`${server.url}/api/media/upload`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as any;
    assert.is(response.status, 201, JSON.stringify(body));
    return body.files[0] as { id: number; workflow_id: string };
  };
  const image = await sharp({ create: { width: 12, height: 8, channels: 3, background: { r: 10, g: 80, b: 160 } } }).png().toBuffer();
  // PNG magic bytes, so the upload is accepted; no image behind them, so indexing fails.
  const corrupt = Buffer.concat([image.subarray(0, 40), Buffer.from('not really an image at all')]);
  const [good, broken] = [await upload(image, 'molar.png'), await upload(corrupt, 'broken-xray.png')];
  assert.equal([good.workflow_id, broken.workflow_id], [`media-index-${good.id}`, `media-index-${broken.id}`]);
  assert.equal(
    [await stack.temporal.workflow.getHandle(good.workflow_id).result(), (await stack.temporal.workflow.getHandle(broken.workflow_id).result()).status],
    [{ status: 'indexed', checksum: createHash('sha256').update(image).digest('hex') }, 'failed'],
  );

  const { byClient, byCli } = await findsExactly(`WorkflowType="indexMediaWorkflow" AND MediaStatus="failed" AND OwnerId=${ownerId}`, [broken.workflow_id]);
  assert.equal([byClient[0]!.typedSearchAttributes.get(MediaFileId), byClient[0]!.typedSearchAttributes.get(OwnerId)], [String(broken.id), ownerId]);
  assert.equal([cliAttribute(byCli[0]!, 'MediaStatus'), cliAttribute(byCli[0]!, 'MediaFileId')], ['failed', String(broken.id)]);
  await findsExactly(`WorkflowType="indexMediaWorkflow" AND MediaStatus="indexed" AND OwnerId=${ownerId}`, [good.workflow_id]);
  const [byFileId] = (await findsExactly(`MediaFileId="${good.id}"`, [good.workflow_id])).byClient;
  assert.is(byFileId!.typedSearchAttributes.get(MediaStatus), 'indexed');
  assert.equal([await staticSummary(good.workflow_id), await staticSummary(broken.workflow_id)], [`Index media file ${good.id}`, `Index media file ${broken.id}`]);
});

test('a share link is found by its expiry and owner, with the expiry the API answered, and its summary gives the file by id', async () => {
  const cloud = await startCloud();
  const ownerId = newUserId();
  const token = await tokenFor({ id: ownerId });
  const file = (await cloud.upload(token, [['report.pdf', 'quarterly report']])).body.files[0];
  const created = await cloud.api('POST', `/api/cloud/share/${file.id}`, token, { expires_in: 3600 });
  assert.is(created.status, 201, JSON.stringify(created.body));
  const within = (ms: number) => new Date(Date.now() + ms).toISOString();

  const query = `WorkflowType="shareLinkWorkflow" AND OwnerId=${ownerId} AND ShareExpiresAt < "${within(2 * 3600_000)}" AND ExecutionStatus="Running"`;
  const workflowId = (await eventually(query, () => listed(query), (rows) => rows.length === 1))[0]!.workflowId;
  const { byClient, byCli } = await findsExactly(query, [workflowId]);
  assert.match(workflowId, /^share-\d+$/);
  assert.is(byClient[0]!.typedSearchAttributes.get(ShareExpiresAt)?.toISOString(), created.body.expires_at);
  assert.is(new Date(cliAttribute(byCli[0]!, 'ShareExpiresAt') as string).toISOString(), created.body.expires_at);
  assert.is(await staticSummary(workflowId), `Share link ${workflowId.slice('share-'.length)} for cloud file ${file.id}`);
  // The bound really filters: the link expires in an hour, not within half of one.
  await findsExactly(`WorkflowType="shareLinkWorkflow" AND OwnerId=${ownerId} AND ShareExpiresAt < "${within(1800_000)}"`, []);
});

test.run();
