// SQL in every search parameter is only ever searched for; names that climb out of their folder are
// refused; oversized JSON is refused before it is read; and clients that send too slowly are cut off.
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { H3 } from 'h3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDentalApp } from '../../api/dental/app.js';
import { createMediaApp } from '../../api/media/app.js';
import { startHttpServer } from '../../api/shared/server.js';
import { getStack } from '../support/stack.js';
import { onTeardown } from '../support/teardown.js';
import { getServices } from './services.js';

const test = suite('injection and limits');

const INJECTIONS = ["' OR 1=1 --", "'; drop table patients; --", '%', '_', '\\', "') or ('a'='a", '" OR ""="', '1; select pg_sleep(5)', '&|!():*'];

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

test('SQL in search parameters is searched for, never run', async () => {
  const services = await getServices();
  const staff = services.callers.staff.token;
  const admin = services.callers.admin.token;
  const tag = randomUUID().slice(0, 8);
  // Canaries, in a fresh account: rows no injection string matches, which any injection that ran
  // (OR 1=1, an unescaped % or _) would bring back. Found by their own name first, so a search that
  // never finds anything cannot pass for a safe one.
  const owner = await services.login('user');
  for (const name of ['Ada', 'Grace']) {
    const created = await services.request('dental', 'POST', '/api/dental/patients', { token: staff, json: { first_name: name, last_name: `Inject ${tag}`, email: `${name}.${tag}@example.com`, phone: '555 0101' } });
    assert.is(created.status, 201, created.text);
  }
  const media = new FormData();
  media.append('file', new Blob([new Uint8Array(PNG)]), `canary${tag}.png`);
  media.append('tags', `canary${tag}`);
  const mediaFile = (await services.request('media', 'POST', '/api/media/upload', { token: owner.token, body: media })).body.files[0];
  const cloud = new FormData();
  cloud.append('file', new Blob(['canary']), `canary${tag}.txt`);
  const cloudFile = (await services.request('cloud', 'POST', '/api/cloud/upload', { token: owner.token, body: cloud })).body.files[0];

  const ids = (answer: { body: { files: Array<{ id: number }> } }) => answer.body.files.map((file) => file.id);
  assert.equal((await services.request('dental', 'GET', `/api/dental/patients?search=inject%20${tag}`, { token: staff })).body.total, 2);
  assert.equal(ids(await services.request('media', 'GET', `/api/media/files?tags=canary${tag}`, { token: owner.token })), [mediaFile.id]);
  assert.equal(ids(await services.request('cloud', 'GET', `/api/cloud/files?q=canary${tag}`, { token: owner.token })), [cloudFile.id]);
  assert.equal((await services.request('auth', 'GET', `/api/auth/users?q=${owner.username}`, { token: admin })).body.total, 1);
  const deadline = Date.now() + 20_000; // q searches what the indexing workflow recorded
  while (Date.now() < deadline && !ids(await services.request('media', 'GET', `/api/media/files?q=canary${tag}`, { token: owner.token })).length) await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(ids(await services.request('media', 'GET', `/api/media/files?q=canary${tag}`, { token: owner.token })), [mediaFile.id]);

  const literal = (injection: string, ...texts: string[]) => texts.some((text) => text.toLowerCase().includes(injection.toLowerCase()));
  for (const injection of INJECTIONS) {
    const query = encodeURIComponent(injection);
    const started = Date.now();
    const patients = await services.request('dental', 'GET', `/api/dental/patients?search=${query}&per_page=100`, { token: staff });
    assert.is(patients.status, 200, `${injection}: ${patients.text}`);
    for (const patient of patients.body.patients as Array<{ first_name: string; last_name: string; email: string; phone: string }>) {
      assert.ok(literal(injection, `${patient.first_name} ${patient.last_name} ${patient.email} ${patient.phone}`), `${injection} matched a patient without it: ${JSON.stringify(patient)}`);
    }
    const users = await services.request('auth', 'GET', `/api/auth/users?q=${query}&per_page=100`, { token: admin });
    assert.is(users.status, 200, `${injection}: ${users.text}`);
    for (const found of users.body.users as Array<{ username: string; email: string }>) {
      assert.ok(literal(injection, found.username, found.email), `${injection} matched an account without it: ${found.username}`);
    }
    for (const path of [`/api/media/files?q=${query}`, `/api/media/files?tags=${query}`]) {
      const answer = await services.request('media', 'GET', path, { token: owner.token });
      assert.is(answer.status, 200, `${path}: ${answer.text}`);
      assert.not.ok(ids(answer).includes(mediaFile.id), `${path} found the canary`);
      assert.ok(answer.body.files.every((file: { is_public: boolean }) => file.is_public), `${path} found only public files of others`);
    }
    const files = await services.request('cloud', 'GET', `/api/cloud/files?q=${query}`, { token: owner.token });
    assert.is(files.status, 200, files.text);
    assert.equal(files.body.files, [], `${injection} found none of the account's files`);
    assert.ok(Date.now() - started < 4000, `${injection} did not make anything sleep`);
  }
});

test('names that climb out of their folder are refused or made harmless', async () => {
  const services = await getServices();
  const user = services.callers.user.token;
  for (const name of ['..', '.', '../etc', 'a/b', 'a\\b', 'x\u0000y']) {
    const answer = await services.request('cloud', 'POST', '/api/cloud/folders', { token: user, json: { name } });
    assert.is(answer.status, 422, `folder ${JSON.stringify(name)}: ${answer.text}`);
  }
  const form = new FormData();
  form.append('file', new Blob(['notes']), '../../../../etc/cron.d/evil');
  const uploaded = await services.request('cloud', 'POST', '/api/cloud/upload', { token: user, body: form });
  assert.is(uploaded.status, 201, uploaded.text);
  assert.not.match(uploaded.body.files[0].name, /\/|\.\./);
});

test('a JSON body over the limit is refused with 413, declared or not', async () => {
  const services = await getServices();
  const huge = JSON.stringify({ first_name: 'x'.repeat(2 * 1024 * 1024) });
  const declared = await services.request('dental', 'POST', '/api/dental/patients', { token: services.callers.staff.token, body: huge, headers: { 'content-type': 'application/json' } });
  assert.equal([declared.status, declared.body.error], [413, 'payload_too_large']);
  const streamed = await services.request('dental', 'POST', '/api/dental/patients', {
    token: services.callers.staff.token,
    body: new Blob([huge]).stream(),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal([streamed.status, streamed.body.error], [413, 'payload_too_large']);
});

/** Opens a socket, sends `first`, then one byte of `rest` every `everyMs`; resolves with what came back. */
function trickle(url: string, first: string, rest: string, everyMs: number): Promise<{ answer: string; ms: number }> {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  const socket = connect(Number(port), hostname);
  socket.write(first);
  let index = 0;
  const timer = setInterval(() => {
    if (index < rest.length && socket.writable) socket.write(rest[index++]!);
  }, everyMs);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => {
    const done = () => {
      clearInterval(timer);
      resolve({ answer: Buffer.concat(chunks).toString(), ms: Date.now() - started });
    };
    socket.on('close', done);
    socket.on('error', done);
    setTimeout(() => socket.destroy(), 15_000);
  });
}

test('slowloris: headers sent a byte at a time are cut off with a JSON 408', async () => {
  const server = await startHttpServer(new H3().get('/', () => ({ ok: true })), { host: '127.0.0.1', port: 0, graceMs: 100, headersTimeoutMs: 1000 });
  onTeardown(() => server.close());
  const { answer, ms } = await trickle(server.url, 'GET / HTTP/1.1\r\nhost: x\r\n', 'x-slow: '.padEnd(400, 'a'), 100);
  assert.match(answer, /^HTTP\/1\.1 408/);
  assert.match(answer, /"error":"request_timeout"/);
  assert.ok(ms < 5000, `cut off after ${ms} ms`);
});

test('a JSON body sent a byte at a time is cut off at the request timeout', async () => {
  const stack = await getStack();
  const services = await getServices();
  const server = await startHttpServer(createDentalApp({ ...stack.depsFor('dental'), guard: stack.guard }), { host: '127.0.0.1', port: 0, graceMs: 100, headersTimeoutMs: 1000, requestTimeoutMs: 2000 });
  onTeardown(() => server.close());
  const body = JSON.stringify({ first_name: 'Slow', last_name: 'Loris', email: 'slow.loris@example.com', phone: '555 0199' });
  const head = ['POST /api/dental/patients HTTP/1.1', 'host: x', `authorization: Bearer ${services.callers.staff.token}`, 'content-type: application/json', `content-length: ${body.length}`, '', ''].join('\r\n');
  const { answer, ms } = await trickle(server.url, head, body, 100);
  assert.ok(ms < 8000, `cut off after ${ms} ms`);
  assert.match(answer, /^HTTP\/1\.1 408/);
  assert.match(answer, /"error":"request_timeout"/);
  const rows = await services.request('dental', 'GET', '/api/dental/patients?search=slow.loris', { token: services.callers.staff.token });
  assert.is(rows.body.total, 0, 'the patient was not created');
});

test('a slow upload is cut off at the request timeout and leaves nothing behind', async () => {
  const stack = await getStack();
  const services = await getServices();
  const app = createMediaApp({ ...stack.depsFor('media'), guard: stack.guard });
  const server = await startHttpServer(app, { host: '127.0.0.1', port: 0, graceMs: 100, headersTimeoutMs: 1000, requestTimeoutMs: 2000 });
  onTeardown(() => server.close());
  const head = [
    'POST /api/media/upload HTTP/1.1',
    'host: x',
    `authorization: Bearer ${services.callers.user.token}`,
    'content-type: multipart/form-data; boundary=b',
    'content-length: 100000',
    '',
    '--b\r\ncontent-disposition: form-data; name="file"; filename="slow.bin"\r\n\r\n',
  ].join('\r\n');
  const { answer, ms } = await trickle(server.url, head, 'z'.repeat(1000), 50);
  assert.ok(ms < 8000, `cut off after ${ms} ms`);
  assert.ok(answer === '' || /^HTTP\/1\.1 (408|400)/.test(answer), answer.slice(0, 200));
  const scratch = join(stack.config.STORAGE_ROOT, 'media', 'tmp');
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline && (await readdir(scratch).catch(() => [])).length) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(await readdir(scratch).catch(() => []), []);
});

test.run();
