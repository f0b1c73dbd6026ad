// The drop-in promise: every request of FLASK_CONTRACT.md, sent with its own bodies (fresh names, ids
// of rows made earlier in the same replay), gets an answer with every key the Flask system gave, at the
// same place, with the same JSON type and status class. Beyond shapes, the values that clients read
// for meaning (categories, sizes, names, counts) are checked against what was sent.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startHttpServer } from '../../api/shared/server.js';
import { tokenFor } from '../support/http.js';
import { serviceApps, type ServiceApps } from '../support/services.js';
import { ensureWorkers } from '../support/stack.js';
import { onTeardown } from '../support/teardown.js';
import { type FlaskExchange, flaskExchanges, IdMap, shapeMismatches } from './flask-contract.js';

const FLASK_USER_ID = 23;
const exchanges = flaskExchanges();
const urls = new Map<string, string>();

async function serviceUrl(service: keyof ServiceApps): Promise<string> {
  if (urls.size === 0) {
    await ensureWorkers();
    const apps = await serviceApps();
    for (const [name, app] of Object.entries(apps)) {
      const server = await startHttpServer(app, { host: '127.0.0.1', port: 0, graceMs: 1000 });
      onTeardown(() => server.close());
      urls.set(name, server.url);
    }
  }
  return urls.get(service)!;
}

/** What a form's file part holds: real bytes of the named type, so content sniffing agrees. */
const fileBytes = async (type: string): Promise<Buffer> =>
  type === 'image/png'
    ? sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer()
    : Buffer.from('plan: ship\n');

interface Replay {
  token: string;
  ids: IdMap;
  /** Replaces the contract's example suffix, so names and emails are fresh on every run. */
  suffix: string;
  address: string;
  /** Bytes sent per file name, to compare downloads and sizes with. */
  sent: Map<string, Buffer>;
}

function newReplay(token: string, userId: number): Replay {
  return { token, ids: new IdMap({ [FLASK_USER_ID]: userId }), suffix: randomUUID().slice(0, 6), address: `10.77.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`, sent: new Map() };
}

const freshen = (replay: Replay, text: string) => text.replaceAll('c09eed', replay.suffix);

function freshBody(replay: Replay, body: Record<string, unknown>): Record<string, unknown> {
  const fresh = Object.fromEntries(Object.entries(body).map(([key, value]) => [key, typeof value === 'string' ? freshen(replay, value) : value]));
  return replay.ids.body(fresh);
}

/** Sends one exchange's request as written (fresh names, learned ids) and holds its answer to the contract. */
async function replay(exchange: FlaskExchange, state: Replay) {
  const base = await serviceUrl(exchange.service);
  const query = new URLSearchParams(
    Object.entries(exchange.query ?? {}).map(([key, value]): [string, string] => [key, state.ids.swap(freshen(state, value))]),
  ).toString();
  const url = `${base}${state.ids.path(freshen(state, exchange.path))}${query ? `?${query}` : ''}`;
  const headers = new Headers({ authorization: `Bearer ${state.token}`, 'x-forwarded-for': state.address });
  let body: RequestInit['body'];
  if (exchange.json) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(freshBody(state, exchange.json));
  } else if (exchange.form) {
    const form = new FormData();
    for (const [name, value] of Object.entries(exchange.form)) {
      if (typeof value === 'string') {
        form.append(name, state.ids.swap(freshen(state, value)));
      } else {
        const fileName = freshen(state, value.file);
        const bytes = await fileBytes(value.type);
        state.sent.set(fileName, bytes);
        form.append(name, new Blob([new Uint8Array(bytes)], { type: value.type }), fileName);
      }
    }
    body = form;
  }
  const response = await fetch(url, { method: exchange.method, headers, body });
  const bytes = Buffer.from(await response.arrayBuffer());
  const where = `${exchange.title} (sent as ${exchange.method} ${url.slice(base.length)})`;
  assert.is(Math.floor(response.status / 100), Math.floor(exchange.status / 100), `${where}: status ${response.status}, Flask ${exchange.status}: ${bytes.toString().slice(0, 300)}`);
  if (exchange.answer === undefined) return { status: response.status, body: undefined, bytes };
  assert.match(response.headers.get('content-type') ?? '', /json/, `${where}: a JSON answer`);
  const answer = JSON.parse(bytes.toString()) as any;
  const mismatches = shapeMismatches(exchange.answer, answer);
  assert.equal(mismatches, [], `${where} breaks the Flask answer's shape:\n  ${mismatches.join('\n  ')}`);
  state.ids.learn(exchange.answer, answer);
  return { status: response.status, body: answer, bytes };
}

/** Replays every exchange of one service in document order; the answers by title (the last of a repeated one). */
async function replayService(service: FlaskExchange['service'], state: Replay) {
  const answers = new Map<string, Awaited<ReturnType<typeof replay>>>();
  for (const exchange of exchanges.filter((candidate) => candidate.service === service)) {
    answers.set(`${exchange.title}${exchange.query ? `?${new URLSearchParams(exchange.query)}` : ''}`, await replay(exchange, state));
  }
  return answers;
}

const contract = suite('Flask contract: every documented request, every key');

contract('the contract copy here is the one in shared/', () => {
  assert.ok(exchanges.length >= 36, `read ${exchanges.length} exchanges`);
  assert.equal(new Set(exchanges.map((exchange) => exchange.service)), new Set(['auth', 'media', 'cloud', 'dental']));
  const shared = new URL('../../../shared/FLASK_CONTRACT.md', import.meta.url);
  if (existsSync(shared)) assert.is(readFileSync(new URL('./FLASK_CONTRACT.md', import.meta.url), 'utf8'), readFileSync(shared, 'utf8'));
});

contract('shape check: catches a missing key, a type change and a bad list element', () => {
  const flask = { user: { id: 1, name: 'a', tags: ['x'], last: null }, files: [{ size: 1 }] };
  assert.equal(shapeMismatches(flask, { user: { id: 2, name: 'b', tags: [], last: 'now' }, files: [{ size: 2 }], extra: true }), []);
  assert.equal(shapeMismatches(flask, { user: { id: '2', tags: [], last: null }, files: [{ size: 1 }, {}] }), [
    '$.user.id: number in Flask, string in Qhitz',
    '$.user.name: missing in Qhitz',
    '$.files[1].size: missing in Qhitz',
  ]);
});

contract('auth: register, login, verify, profile, change-password', async () => {
  const state = newReplay('', 0);
  const register = exchanges.find((exchange) => exchange.title === 'POST /api/auth/register')!;
  const registered = await replay(register, state);
  const userId = registered.body.user.id as number;
  state.ids = new IdMap({ [FLASK_USER_ID]: userId });
  const login = await replay(exchanges.find((exchange) => exchange.title === 'POST /api/auth/login')!, state);
  state.token = login.body.token;
  const answers = new Map<string, any>();
  for (const exchange of exchanges.filter((candidate) => candidate.service === 'auth').slice(2)) {
    answers.set(`${exchange.method} ${exchange.path}`, (await replay(exchange, state)).body);
  }
  // The profile's fields stand at the top level, as Flask answered them.
  assert.is(answers.get('GET /api/auth/profile').id, userId);
  assert.is(answers.get('GET /api/auth/profile').username, `seed_${state.suffix}`);
  assert.is(answers.get('PUT /api/auth/profile').user.username, `new_${state.suffix}`);
});

contract('media: upload, browse, one file, download, stats, delete', async () => {
  const userId = 700_000 + Math.floor(Math.random() * 100_000);
  const state = newReplay(await tokenFor({ id: userId }), userId);
  const answers = await replayService('media', state);
  const uploaded = answers.get('POST /api/media/upload')!.body;
  const sentName = `dot-${state.suffix}.png`;
  const sentBytes = state.sent.get(sentName)!;
  const file = uploaded.files[0];
  assert.is(file.original_filename, sentName);
  assert.is(file.file_type, 'images');
  assert.is(file.file_extension, 'png');
  assert.is(file.file_size, sentBytes.length);
  assert.is(file.uploaded_by, userId);
  assert.equal(file.tags, ['dot', 'test']);
  assert.type(file.id, 'number', 'the upload answers the real id (a deliberate fix)');
  assert.equal(uploaded.uploaded_files, [sentName]);
  assert.is(uploaded.success_count, 1);
  const one = answers.get(`GET /api/media/file/14`)!.body;
  assert.is(one.id, file.id, 'the file stands at the top level');
  assert.ok(answers.get('GET /api/media/download/14')!.bytes.equals(sentBytes));
  const stats = answers.get(`GET /api/media/stats?user_id=${FLASK_USER_ID}`)!.body;
  assert.is(stats.total_files, 1);
  assert.is(stats.total_size, sentBytes.length);
  assert.equal(stats.stats_by_type.images, { count: 1, size: sentBytes.length, size_mb: 0 });
  assert.equal(stats.stats_by_type.videos, { count: 0, size: 0, size_mb: 0 });
});

contract('cloud: folders, upload, files, share, stats, deletes', async () => {
  const userId = 800_000 + Math.floor(Math.random() * 100_000);
  const state = newReplay(await tokenFor({ id: userId }), userId);
  const answers = await replayService('cloud', state);
  const folder = answers.get('POST /api/cloud/folders')!.body.folder;
  assert.is(folder.owner_id, userId);
  assert.is(folder.file_count, 0);
  const sentName = `plan-${state.suffix}.txt`;
  const sentBytes = state.sent.get(sentName)!;
  const listed = answers.get(`GET /api/cloud/files?user_id=${FLASK_USER_ID}&folder_id=6`)!.body.files;
  assert.is(listed.length, 1);
  assert.is(listed[0].original_filename, sentName);
  assert.is(listed[0].file_size, sentBytes.length);
  assert.is(listed[0].file_size_mb, 0);
  assert.is(listed[0].folder_id, folder.id);
  assert.is(listed[0].version, 1);
  const shared = answers.get('POST /api/cloud/share/5')!.body;
  assert.ok(shared.share_url.endsWith(`/api/cloud/shared/${shared.shared_link}`));
  assert.ok(answers.get('GET /api/cloud/shared/7ef974610d4944bd8d76ea1e0c6a764f')!.bytes.equals(sentBytes));
  const stats = answers.get(`GET /api/cloud/stats?user_id=${FLASK_USER_ID}`)!.body;
  assert.equal({ files: stats.total_files, folders: stats.total_folders, size: stats.total_size }, { files: 1, folders: 1, size: sentBytes.length });
});

contract('dental: patients, dentists, appointments, treatments, stats', async () => {
  const state = newReplay(await tokenFor({ id: 9_100, role: 'staff' }), 9_100);
  const answers = await replayService('dental', state);
  const patient = answers.get('POST /api/dental/patients')!.body.patient;
  assert.is(patient.full_name, `John Doe${state.suffix}`);
  assert.is(patient.address ?? patient.street_address, '123 Main St', 'the Flask request’s address is kept');
  const dentist = answers.get('POST /api/dental/dentists')!.body.dentist;
  assert.is(dentist.full_name, 'Dr. Jane Smith');
  const booked = answers.get('POST /api/dental/appointments')!.body.appointment;
  assert.is(booked.patient_name, `John Doe${state.suffix}`);
  assert.is(booked.dentist_name, 'Dr. Jane Smith');
  assert.is(answers.get('PUT /api/dental/appointment/13485')!.body.appointment.status, 'confirmed');
  const treatment = answers.get('POST /api/dental/treatments')!.body.treatment;
  assert.is(treatment.treatment_name, 'Cavity Filling');
  assert.is(treatment.cost, 250);
  const listed = answers.get('GET /api/dental/treatments?patient_id=1006')!.body.treatments;
  assert.ok(listed.some((item: any) => item.id === treatment.id && item.treatment_name === 'Cavity Filling'));
  const detail = answers.get('GET /api/dental/patient/1006')!.body;
  assert.ok(Array.isArray(detail.upcoming_appointments) && Array.isArray(detail.recent_treatments));
  const stats = answers.get('GET /api/dental/stats')!.body;
  assert.is(stats.total_scanned_documents, 0, 'Qhitz keeps no scanned documents: the true count is 0');
  assert.ok(stats.total_patients >= 1 && stats.total_dentists >= 1);
});

contract.run();
