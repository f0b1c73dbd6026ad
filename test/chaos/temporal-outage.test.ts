// The Temporal server stops: writes that need a workflow answer 503 and leave no row or file behind,
// reads keep working, and when Temporal returns the same API processes book and upload again.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'slonik';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { eventually, getCluster } from './cluster.js';
import { createDentist, createPatient, distinctPng, formWith, newUserId, staffToken } from './support.js';

const test = suite('chaos: Temporal stops');

const filesUnder = async (path: string): Promise<string[]> =>
  (await readdir(path, { recursive: true, withFileTypes: true }).catch(() => [])).filter((entry) => entry.isFile()).map((entry) => entry.name);

test('workflow-backed writes answer 503 and keep nothing; reads work; all recovers when Temporal returns', async () => {
  const cluster = await getCluster();
  const staff = await staffToken(cluster);
  const owner = newUserId();
  const user = await cluster.token({ id: owner });
  const [dentist, patient] = await Promise.all([createDentist(cluster, staff), createPatient(cluster, staff)]);
  const kept = (await cluster.call('cloud', 'POST', '/api/cloud/upload', { token: user, body: formWith('file', [['kept.txt', 'kept']]) })).body.files[0];
  const mediaBlobsBefore = await filesUnder(join(cluster.storageRoot, 'media'));
  const booking = { patient_id: patient, dentist_id: dentist, appointment_date: new Date(Date.now() + 9 * 24 * 3600_000).toISOString(), duration: 30, appointment_type: 'checkup' };

  await cluster.stopTemporal();
  try {
    const [booked, uploaded, shared, patients, files, folders] = await Promise.all([
      cluster.call('dental', 'POST', '/api/dental/appointments', { token: staff, json: booking }),
      cluster.call('media', 'POST', '/api/media/upload', { token: user, body: formWith('file', [['x-ray.png', await distinctPng()]]) }),
      cluster.call('cloud', 'POST', `/api/cloud/share/${kept.id}`, { token: user, json: { expires_in: 600 } }),
      cluster.call('dental', 'GET', '/api/dental/patients?per_page=5', { token: staff }),
      cluster.call('media', 'GET', '/api/media/files', { token: user }),
      cluster.call('cloud', 'GET', '/api/cloud/folders', { token: user }),
    ]);
    for (const [what, answer] of Object.entries({ booked, uploaded, shared })) {
      assert.is(answer.status, 503, `${what}: ${JSON.stringify(answer.body)}`);
      assert.type(answer.body.error, 'string');
    }
    for (const answer of [patients, files, folders]) assert.is(answer.status, 200, JSON.stringify(answer.body));
    const health = await cluster.call('dental', 'GET', '/api/health');
    assert.is(health.status, 503, 'health names Temporal as down');

    const appointments = await cluster.pools.dental.oneFirst(sql.type(z.object({ count: z.number() }))`select count(*)::int as count from appointments where dentist_id = ${dentist}`);
    const mediaRows = await cluster.pools.media.oneFirst(sql.type(z.object({ count: z.number() }))`select count(*)::int as count from media_files where owner_id = ${owner}`);
    const links = await cluster.pools.cloud.oneFirst(sql.type(z.object({ count: z.number() }))`select count(*)::int as count from share_links where file_id = ${kept.id}`);
    assert.equal({ appointments, mediaRows, links }, { appointments: 0, mediaRows: 0, links: 0 }, 'no orphan rows');
    assert.equal((await filesUnder(join(cluster.storageRoot, 'media'))).sort(), mediaBlobsBefore.sort(), 'no orphan files');
  } finally {
    await cluster.startTemporal();
  }

  const booked = await eventually('booking works again', async () => {
    const answer = await cluster.call('dental', 'POST', '/api/dental/appointments', { token: staff, json: booking });
    return answer.status === 201 && answer;
  }, 60_000);
  assert.is(booked.body.appointment.dentist_id, dentist);
  const uploaded = await cluster.call('media', 'POST', '/api/media/upload', { token: user, body: formWith('file', [['x-ray.png', await distinctPng()]]) });
  assert.is(uploaded.status, 201, JSON.stringify(uploaded.body));
  await eventually('the upload is indexed by the reconnected worker', async () => {
    const answer = await cluster.call('media', 'GET', `/api/media/file/${uploaded.body.files[0].id}`, { token: user });
    return answer.body.file.status === 'indexed';
  }, 60_000);
});

test.run();
