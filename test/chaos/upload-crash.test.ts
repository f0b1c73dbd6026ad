// An API process is SIGKILLed halfway through receiving an upload: after the restart no partial file
// or row remains and the upload's quota reservation is given back, without anyone cleaning by hand.
// (The cluster's UPLOAD_TIMEOUT_MS is 3 s, so a crashed upload counts as abandoned after 6 s.)
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { sql } from 'slonik';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import type { ServiceName } from '../../config/index.js';
import { type Cluster, eventually, getCluster } from './cluster.js';
import { formWith, newUserId, sleep } from './support.js';

const test = suite('chaos: an API crashes mid-upload');
const MB = 1024 * 1024;

/** Starts a multipart upload declaring `declared` bytes, sends the first `sent`, and leaves it hanging. */
async function hangingUpload(cluster: Cluster, service: ServiceName, path: string, token: string, declared: number, sent: number) {
  const boundary = 'chaos-boundary';
  const head = Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`);
  const outcome = new Promise<string>((resolve) => {
    const req = request(new URL(path, cluster.urls[service]), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(declared) },
    }, (response) => resolve(`answered ${response.statusCode}`));
    req.on('error', (error) => resolve(`cut off: ${error.message}`));
    req.write(head);
    req.write(Buffer.alloc(sent - head.length, 1));
  });
  return outcome;
}

const scratchEntries = async (cluster: Cluster, service: ServiceName) => readdir(join(cluster.storageRoot, service, 'tmp')).catch(() => [] as string[]);

test('cloud: the crashed upload leaves no file, no row, and its reservation lapses', async () => {
  const cluster = await getCluster();
  const owner = newUserId();
  const token = await cluster.token({ id: owner });
  const admin = await cluster.token({ id: 1, role: 'admin' });
  assert.is((await cluster.call('cloud', 'PUT', `/api/cloud/quota/${owner}`, { token: admin, json: { quota_bytes: 30 * MB } })).status, 200);

  const outcome = hangingUpload(cluster, 'cloud', '/api/cloud/upload', token, 20 * MB, 5 * MB);
  await eventually('the partial upload is on disk', async () => (await scratchEntries(cluster, 'cloud')).length > 0);
  await cluster.kill('cloud');
  assert.match(await outcome, /cut off/);
  await cluster.start('cloud');

  const fifteen = () => cluster.call('cloud', 'POST', '/api/cloud/upload', { token, body: formWith('file', [['fits.bin', Buffer.alloc(15 * MB, 2)]]) });
  const early = await fifteen();
  assert.equal([early.status, early.body.error], [413, 'quota_exceeded'], 'right after the crash its 20 MB are still reserved');

  await eventually('the crashed upload’s scratch files are swept', async () => (await scratchEntries(cluster, 'cloud')).length === 0, 20_000);
  const later = await eventually('the reservation has lapsed', async () => {
    const answer = await fifteen();
    return answer.status === 201 && answer;
  }, 20_000);
  assert.is(later.body.files[0].size, 15 * MB);
  const stats = (await cluster.call('cloud', 'GET', '/api/cloud/stats', { token })).body;
  assert.equal([stats.used, stats.files], [15 * MB, 1], 'only the upload that finished counts');
  const rows = await cluster.pools.cloud.oneFirst(sql.type(z.object({ count: z.number() }))`select count(*)::int as count from cloud_files where owner_id = ${owner}`);
  assert.is(rows, 1);
});

test('media: the crashed upload leaves no file and no row', async () => {
  const cluster = await getCluster();
  const owner = newUserId();
  const token = await cluster.token({ id: owner });
  const outcome = hangingUpload(cluster, 'media', '/api/media/upload', token, 20 * MB, 5 * MB);
  await eventually('the partial upload is on disk', async () => (await scratchEntries(cluster, 'media')).length > 0);
  await cluster.kill('media');
  assert.match(await outcome, /cut off/);
  await cluster.start('media');
  await eventually('the crashed upload’s scratch files are swept', async () => (await scratchEntries(cluster, 'media')).length === 0, 20_000);
  await sleep(100);
  const rows = await cluster.pools.media.oneFirst(sql.type(z.object({ count: z.number() }))`select count(*)::int as count from media_files where owner_id = ${owner}`);
  assert.is(rows, 0);
});

test.run();
