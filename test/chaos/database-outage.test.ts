// PostgreSQL stops while the APIs are under load: every request still gets an answer within about
// 2 s (503 JSON, never a hang or a 500), health turns red, nothing acknowledged is lost, and the
// services recover on their own when the database returns.
import { sql } from 'slonik';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import type { ServiceName } from '../../config/index.js';
import { type Answer, eventually, getCluster } from './cluster.js';
import { newUserId, sleep, staffToken } from './support.js';

const test = suite('chaos: PostgreSQL stops under load');

test('writes answer 201 or 503 in time, every 201 survives, and the APIs recover without a restart', async () => {
  const cluster = await getCluster();
  const staff = await staffToken(cluster);
  const user = await cluster.token({ id: newUserId() });
  const answers: Array<Answer & { what: string }> = [];
  let running = true;

  // Two writers (dental patients, cloud folders) and a reader per service, until told to stop.
  let serial = 0;
  const loop = async (what: string, request: () => Promise<Answer>) => {
    while (running) {
      try {
        answers.push({ ...(await request()), what });
      } catch (error) {
        answers.push({ status: 0, body: String(error), ms: 0, what });
      }
      await sleep(20);
    }
  };
  const reads: Array<[ServiceName, string, string]> = [
    ['dental', '/api/dental/patients?per_page=5', staff],
    ['media', '/api/media/files?per_page=5', user],
    ['cloud', '/api/cloud/folders', user],
  ];
  const loops = [
    loop('patient', () => cluster.call('dental', 'POST', '/api/dental/patients', { token: staff, json: { first_name: 'Load', last_name: `L${serial}`, email: `load${serial++}.${Date.now()}@chaos.test`, phone: '555' } })),
    loop('folder', () => cluster.call('cloud', 'POST', '/api/cloud/folders', { token: user, json: { name: `F${serial++}` } })),
    ...reads.map(([service, path, token]) => loop(`read ${service}`, () => cluster.call(service, 'GET', path, { token }))),
  ];

  await sleep(800);
  await cluster.stopPostgres();
  await sleep(3000);
  const health = await Promise.all((['auth', 'media', 'cloud', 'dental'] as const).map((service) => cluster.call(service, 'GET', '/api/health')));
  await cluster.startPostgres();
  await eventually('every API is healthy again', async () => {
    const all = await Promise.all((['auth', 'media', 'cloud', 'dental'] as const).map((service) => cluster.call(service, 'GET', '/api/health')));
    return all.every((answer) => answer.status === 200);
  });
  await sleep(800);
  running = false;
  await Promise.all(loops);

  for (const answer of health) assert.is(answer.status, 503, `health during the outage: ${JSON.stringify(answer.body)}`);
  const statuses = new Set(answers.map((answer) => answer.status));
  assert.ok([...statuses].every((status) => status === 200 || status === 201 || status === 503), `statuses seen: ${[...statuses]}`);
  const refused = answers.filter((answer) => answer.status === 503);
  assert.ok(refused.length > 0, 'the outage was seen');
  for (const answer of refused) {
    assert.type(answer.body.error, 'string');
    assert.ok(answer.ms < 2500, `a 503 took ${Math.round(answer.ms)} ms (${answer.what})`);
  }
  // Recovered: the last answer of each loop is a success.
  for (const what of ['patient', 'folder', ...reads.map(([service]) => `read ${service}`)]) {
    const last = answers.filter((answer) => answer.what === what).at(-1)!;
    assert.ok(last.status === 200 || last.status === 201, `${what} after recovery: ${last.status}`);
  }

  const acknowledgedPatients = answers.filter((answer) => answer.what === 'patient' && answer.status === 201).map((answer) => answer.body.patient.id as number);
  const stored = await cluster.pools.dental.anyFirst(sql.type(z.object({ id: z.number() }))`select id from patients where id = any(${sql.array(acknowledgedPatients, 'int8')})`);
  assert.is(stored.length, acknowledgedPatients.length, 'every acknowledged patient is stored');
  const acknowledgedFolders = answers.filter((answer) => answer.what === 'folder' && answer.status === 201).map((answer) => answer.body.folder.id as number);
  const folders = await cluster.pools.cloud.anyFirst(sql.type(z.object({ id: z.number() }))`select id from folders where id = any(${sql.array(acknowledgedFolders, 'int8')})`);
  assert.is(folders.length, acknowledgedFolders.length, 'every acknowledged folder is stored');
});

test.run();
