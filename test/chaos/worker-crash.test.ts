// The worker is SIGKILLed while workflows are in the middle of their work, then started again: every
// workflow finishes exactly once, with no duplicate rows, no reminder sent twice, and no share link
// usable past its expiry, even while no worker was there to expire it.
import { createHash } from 'node:crypto';
import { sql } from 'slonik';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { eventually, getCluster } from './cluster.js';
import { createDentist, createPatient, distinctPng, formWith, newUserId, sleep, staffToken } from './support.js';

const test = suite('chaos: the worker is killed mid-work');

test('indexing: uploads acknowledged before the kill are all indexed once, after the restart', async () => {
  const cluster = await getCluster();
  const owner = newUserId();
  const token = await cluster.token({ id: owner });
  const images = await Promise.all(Array.from({ length: 4 }, () => distinctPng()));
  const uploaded = await cluster.call('media', 'POST', '/api/media/upload', { token, body: formWith('files', images.map((image, index) => [`scan-${index}.png`, image])) });
  assert.is(uploaded.status, 201, JSON.stringify(uploaded.body));
  await cluster.kill('worker');
  await sleep(500);
  await cluster.start('worker');

  const rows = await eventually('every upload is indexed', async () => {
    const found = await cluster.pools.media.any(sql.type(z.object({ id: z.number(), status: z.string(), checksum: z.string().nullable(), thumbnail_key: z.string().nullable() }))`
      select id, status, checksum, thumbnail_key from media_files where owner_id = ${owner} order by id`);
    return found.every((row) => row.status === 'indexed') && found;
  });
  assert.is(rows.length, 4, 'one row per uploaded file, no duplicates');
  assert.equal(rows.map((row) => row.checksum), images.map((image) => createHash('sha256').update(image).digest('hex')));
  assert.ok(rows.every((row) => row.thumbnail_key), 'each image got its thumbnail');
});

test('booking: every 201 is exactly one appointment row, every refusal none', async () => {
  const cluster = await getCluster();
  const token = await staffToken(cluster);
  const dentist = await createDentist(cluster, token);
  const patients = await Promise.all(Array.from({ length: 8 }, () => createPatient(cluster, token)));
  const base = Date.now() + 7 * 24 * 3600_000;
  const requests = patients.map((patient, index) =>
    cluster.call('dental', 'POST', '/api/dental/appointments', {
      token,
      json: { patient_id: patient, dentist_id: dentist, appointment_date: new Date(base + index * 3600_000).toISOString(), duration: 30, appointment_type: 'checkup' },
    }),
  );
  await sleep(50);
  await cluster.kill('worker');
  await sleep(1000);
  await cluster.start('worker');
  const answers = await Promise.all(requests);

  for (const answer of answers) assert.ok([201, 503].includes(answer.status), `${answer.status} ${JSON.stringify(answer.body)}`);
  const acknowledged = answers.filter((answer) => answer.status === 201).map((answer) => answer.body.appointment.id as number);
  const rows = await cluster.pools.dental.anyFirst(sql.type(z.object({ id: z.number() }))`select id from appointments where dentist_id = ${dentist} order by id`);
  assert.equal(rows, acknowledged.sort((a, b) => a - b), 'the rows are exactly the acknowledged bookings');
  assert.ok(acknowledged.length > 0, 'the restarted worker took over the waiting bookings');
});

test('reminders: a reminder due while the worker was down is sent once when it returns', async () => {
  const cluster = await getCluster();
  const token = await staffToken(cluster);
  const [dentist, patient] = await Promise.all([createDentist(cluster, token), createPatient(cluster, token)]);
  // The cluster's reminder offset is 1 minute: this reminder is due 8 s from now.
  const booked = await cluster.call('dental', 'POST', '/api/dental/appointments', {
    token,
    json: { patient_id: patient, dentist_id: dentist, appointment_date: new Date(Date.now() + 68_000).toISOString(), duration: 30, appointment_type: 'checkup' },
  });
  assert.is(booked.status, 201, JSON.stringify(booked.body));
  const id = booked.body.appointment.id;
  await cluster.kill('worker');
  await sleep(10_000);
  const whileDown = await cluster.call('dental', 'GET', `/api/dental/appointment/${id}/reminders`, { token });
  assert.equal(whileDown.body.reminders.filter((reminder: { status: string }) => reminder.status === 'sent'), [], 'nothing sent without a worker');
  await cluster.start('worker');

  const reminders = await eventually('the reminder is sent', async () => {
    const answer = await cluster.call('dental', 'GET', `/api/dental/appointment/${id}/reminders`, { token });
    return answer.body.reminders.some((reminder: { status: string }) => reminder.status === 'sent') && answer.body.reminders;
  });
  assert.is(reminders.length, 1, JSON.stringify(reminders));
  await sleep(1000);
  const again = await cluster.call('dental', 'GET', `/api/dental/appointment/${id}/reminders`, { token });
  assert.is(again.body.reminders.length, 1, 'never a second one');
});

test('folder deletion: a tree deleted across a worker crash ends fully deleted, its bytes out of the quota', async () => {
  const cluster = await getCluster();
  const owner = newUserId();
  const token = await cluster.token({ id: owner });
  const folder = (await cluster.call('cloud', 'POST', '/api/cloud/folders', { token, json: { name: 'Archive' } })).body.folder;
  const inner = (await cluster.call('cloud', 'POST', '/api/cloud/folders', { token, json: { name: '2025', parent_id: folder.id } })).body.folder;
  for (const target of [folder.id, inner.id]) {
    const form = formWith('files', Array.from({ length: 20 }, (_, index) => [`doc-${target}-${index}.txt`, `contents ${target} ${index} ${Math.random()}`]));
    form.append('folder_id', String(target));
    const uploaded = await cluster.call('cloud', 'POST', '/api/cloud/upload', { token, body: form });
    assert.is(uploaded.status, 201, JSON.stringify(uploaded.body));
  }
  const deleted = await cluster.call('cloud', 'DELETE', `/api/cloud/folder/${folder.id}`, { token });
  assert.is(deleted.status, 202, JSON.stringify(deleted.body));
  await cluster.kill('worker');
  assert.is((await cluster.call('cloud', 'GET', '/api/cloud/folders', { token })).body.folders.length, 0, 'gone from listings at once');
  await cluster.start('worker');

  await eventually('the deletion workflow completes', async () => {
    const description = await cluster.temporal.workflow.getHandle(deleted.body.workflow_id).describe();
    return description.status.name === 'COMPLETED';
  });
  const left = await cluster.pools.cloud.oneFirst(sql.type(z.object({ count: z.number() }))`select count(*)::int as count from cloud_files where owner_id = ${owner}`);
  assert.is(left, 0, 'no file rows remain');
  const stats = (await cluster.call('cloud', 'GET', '/api/cloud/stats', { token })).body;
  assert.equal([stats.used, stats.files, stats.folders], [0, 0, 0]);
});

test('share links: past expiry a link is refused even with no worker, and is marked expired when one returns', async () => {
  const cluster = await getCluster();
  const token = await cluster.token({ id: newUserId() });
  const file = (await cluster.call('cloud', 'POST', '/api/cloud/upload', { token, body: formWith('file', [['plan.txt', 'the plan']]) })).body.files[0];
  const share = await cluster.call('cloud', 'POST', `/api/cloud/share/${file.id}`, { token, json: { expires_in: 2 } });
  assert.is(share.status, 201, JSON.stringify(share.body));
  await cluster.kill('worker');
  await sleep(2500);
  const late = await cluster.call('cloud', 'GET', `/api/cloud/shared/${share.body.shared_link}`);
  assert.equal([late.status, late.body.error], [410, 'link_expired']);
  await cluster.start('worker');
  await eventually('the link workflow marks it expired', async () => {
    const state = await cluster.pools.cloud.oneFirst(sql.type(z.object({ state: z.string() }))`select state from share_links where file_id = ${file.id}`);
    return state === 'expired';
  });
});

test.run();
