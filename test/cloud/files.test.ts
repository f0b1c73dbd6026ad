import { existsSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'slonik';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { tokenFor } from '../support/http.js';
import { removeUnreferencedBlobs } from '../../core/blob-cleanup.js';
import * as cloudBlobs from '../../db/cloud/blobs.js';
import { createLocalBlobStore } from '../../core/blob-store.js';
import { sweepStorage } from '../../core/blob-sweep.js';
import { reserveQuota, updateCloudFile } from '../../db/cloud/files.js';
import { updateFolder } from '../../db/cloud/folders.js';
import { getStack } from '../support/stack.js';
import { newUserId, startCloud } from './client.js';

const files = suite('cloud files');

async function reservedBytes(ownerId: number) {
  const { pools } = await getStack();
  return pools.cloud.oneFirst(sql.type(z.object({ reserved: z.number() }))`
    select coalesce(sum(bytes), 0)::bigint as reserved from quota_reservations where owner_id = ${ownerId}`);
}

files('the storage sweep removes old scratch files and old unreferenced blobs, and nothing else', async () => {
  const cloud = await startCloud();
  const { pools, config, logger } = await getStack();
  const store = createLocalBlobStore(join(config.STORAGE_ROOT, 'cloud'));
  const token = await tokenFor({ id: newUserId() });
  const kept = (await cloud.upload(token, [['kept.txt', `kept ${Date.now()}`]])).body.files[0];
  const orphan = await store.put(Readable.from([Buffer.from(`orphan ${Date.now()}`)]));
  const young = await store.put(Readable.from([Buffer.from(`young orphan ${Date.now()}`)]));
  const crashed = join(store.scratchDir, `upload-crashed-${Date.now()}`);
  await mkdir(crashed, { recursive: true });
  await writeFile(join(crashed, 'part'), 'half an upload');
  const keptKey = (await pools.cloud.oneFirst(sql.type(z.object({ storage_key: z.string() }))`select storage_key from cloud_files where id = ${kept.id}`));
  const anHourAgo = new Date(Date.now() - 3600_000);
  for (const key of [keptKey, orphan.key]) await utimes(join(config.STORAGE_ROOT, 'cloud', key.slice(0, 2), key.slice(2, 4), key), anHourAgo, anHourAgo);
  await utimes(crashed, anHourAgo, anHourAgo);

  await sweepStorage({ store, olderThanMs: 60_000, removeIfUnreferenced: async (key) => (await removeUnreferencedBlobs(pools.cloud, store, cloudBlobs, [key])) > 0, logger });
  assert.is(await store.stat(orphan.key), null, 'old orphan removed');
  assert.ok(await store.stat(young.key), 'young orphan kept: it may be an upload being recorded');
  assert.ok(await store.stat(keptKey), 'referenced blob kept');
  assert.is((await cloud.api('GET', `/api/cloud/download/${kept.id}`, token)).body.toString().startsWith('kept'), true);
  assert.not.ok(existsSync(crashed), 'old scratch folder removed');
});

files('a reservation whose lease lapsed (an API that crashed mid-upload) no longer holds the quota', async () => {
  const { pools } = await getStack();
  const ownerId = newUserId();
  const first = await reserveQuota(pools.cloud, ownerId, 800, 1000, 50);
  assert.ok(first.ok);
  const refused = await reserveQuota(pools.cloud, ownerId, 800, 1000, 60_000);
  assert.equal(refused, { ok: false, used: 800, quota: 1000 }, 'a live reservation counts');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const second = await reserveQuota(pools.cloud, ownerId, 800, 1000, 60_000);
  assert.ok(second.ok, 'the lapsed one does not');
  assert.is(await reservedBytes(ownerId), 800, 'and it was removed');
});

files('only the last 10 versions are kept; the dropped ones leave the quota and stop downloading', async () => {
  const cloud = await startCloud();
  const token = await tokenFor({ id: newUserId() });
  let fileId = 0;
  for (let version = 1; version <= 12; version++) {
    const uploaded = await cloud.upload(token, [['notes.txt', `v${version}`.padEnd(version * 10, '.')]]);
    assert.is(uploaded.status, 201, JSON.stringify(uploaded.body));
    fileId ||= uploaded.body.files[0].id;
    assert.equal([uploaded.body.files[0].id, uploaded.body.files[0].version], [fileId, version]);
  }
  const versions = (await cloud.api('GET', `/api/cloud/file/${fileId}/versions`, token)).body;
  assert.equal(versions.versions.map((v: { version: number }) => v.version), [12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
  assert.is((await cloud.api('GET', `/api/cloud/download/${fileId}?version=2`, token)).status, 404);
  assert.is((await cloud.api('GET', `/api/cloud/download/${fileId}?version=3`, token)).body.toString(), 'v3'.padEnd(30, '.'));
  const third = versions.versions.find((v: { version: number }) => v.version === 3);
  const signed = await fetch(`${cloud.base}${third.download_url}`);
  assert.equal([signed.status, await signed.text()], [200, 'v3'.padEnd(30, '.')], 'a version’s signed link works without a token');
  const stats = (await cloud.api('GET', '/api/cloud/stats', token)).body;
  const kept = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12].reduce((sum, version) => sum + version * 10, 0);
  assert.equal([stats.used, stats.files, stats.versions_bytes], [kept, 1, kept - 120]);
});

files('rename and move a file; a taken name is 409 and another user’s folder is refused', async () => {
  const cloud = await startCloud();
  const token = await tokenFor({ id: newUserId() });
  const folder = (await cloud.api('POST', '/api/cloud/folders', token, { name: 'Invoices' })).body.folder;
  const a = (await cloud.upload(token, [['a.txt', 'a']])).body.files[0];
  const b = (await cloud.upload(token, [['b.txt', 'b']], folder.id)).body.files[0];
  const moved = await cloud.api('PATCH', `/api/cloud/file/${a.id}`, token, { folder_id: folder.id, name: 'march.txt' });
  assert.equal([moved.status, moved.body.file.folder_id, moved.body.file.name], [200, folder.id, 'march.txt']);
  const taken = await cloud.api('PATCH', `/api/cloud/file/${b.id}`, token, { name: 'march.txt' });
  assert.equal([taken.status, taken.body.message, taken.body.details], [409, 'That folder already has a file with this name', { field: 'name' }]);
  assert.is((await cloud.api('PATCH', `/api/cloud/file/${b.id}`, token, { name: '../escape' })).status, 422);
  assert.is((await cloud.api('PATCH', `/api/cloud/file/${b.id}`, token, {})).status, 422);
  const listed = (await cloud.api('GET', `/api/cloud/files?folder_id=${folder.id}`, token)).body;
  assert.equal(listed.files.map((file: { name: string }) => file.name), ['b.txt', 'march.txt']);
  const secondPage = (await cloud.api('GET', `/api/cloud/files?folder_id=${folder.id}&per_page=1&page=2`, token)).body;
  assert.equal([secondPage.files.map((file: { name: string }) => file.name), secondPage.total, secondPage.page, secondPage.per_page, secondPage.pages], [['march.txt'], 2, 2, 1, 2]);
  assert.is((await cloud.api('GET', '/api/cloud/files?folder_id=', token)).body.total, 0, 'empty folder_id is the root');
  const back = await cloud.api('PATCH', `/api/cloud/file/${a.id}`, token, { folder_id: null });
  assert.equal([back.status, back.body.file.folder_id], [200, null]);
  const otherFolder = (await cloud.api('POST', '/api/cloud/folders', await tokenFor({ id: newUserId() }), { name: 'Theirs' })).body.folder;
  assert.is((await cloud.api('PATCH', `/api/cloud/file/${a.id}`, token, { folder_id: otherFolder.id })).status, 422);

  // A rename that lost the race with a delete (checked before, written after) finds nothing to change: 404, not 500.
  const { pools } = await getStack();
  assert.is((await cloud.api('DELETE', `/api/cloud/file/${b.id}`, token)).status, 200);
  assert.is(await updateCloudFile(pools.cloud, b.id, folder.owner_id, { name: 'late.txt' }), null);
  assert.is((await cloud.api('DELETE', `/api/cloud/folder/${folder.id}`, token)).status, 202, 'hidden at once, purged by its workflow');
  assert.is(await updateFolder(pools.cloud, folder.id, folder.owner_id, { name: 'Late' }), null);
  assert.is(await updateFolder(pools.cloud, otherFolder.id, folder.owner_id, { name: 'Mine now' }), null, 'another owner’s folder');
});

files('a declared file type is kept only when well formed, and only media or plain text is shown inline', async () => {
  const cloud = await startCloud();
  const token = await tokenFor({ id: newUserId() });
  // Part headers as some clients send them: a page, and a type with a NUL and non-Latin-1 text in it.
  const send = async (fileName: string, declared: Buffer) => {
    const body = Buffer.concat([
      Buffer.from(`--b\r\ncontent-disposition: form-data; name="file"; filename="${fileName}"\r\ncontent-type: `),
      declared,
      Buffer.from('\r\n\r\n<script>alert(1)</script>\r\n--b--\r\n'),
    ]);
    const response = await fetch(`${cloud.base}/api/cloud/upload`, { method: 'POST', body, headers: { authorization: `Bearer ${token}`, 'content-type': 'multipart/form-data; boundary=b' } });
    return { status: response.status, body: (await response.json()) as any };
  };
  const page = await send('page.html', Buffer.from('Text/HTML; charset=utf-8'));
  const garbled = await send('garbled.html', Buffer.from('text/pl\u4e2d\u0000ain', 'utf8'));
  assert.equal([page.status, garbled.status], [201, 201], JSON.stringify([page.body, garbled.body]));
  for (const [uploaded, type] of [[page, 'text/html'], [garbled, 'application/octet-stream']] as const) {
    const download = await cloud.api('GET', `/api/cloud/download/${uploaded.body.files[0].id}?inline=true`, token);
    assert.equal([download.status, download.headers.get('content-type'), download.headers.get('content-disposition')?.split(';')[0]], [200, type, 'attachment']);
  }
});

files('downloads: ranges, ETag/304, signed URLs that cannot be stretched, 401 without any credential', async () => {
  const cloud = await startCloud();
  const token = await tokenFor({ id: newUserId() });
  const file = (await cloud.upload(token, [['digits.txt', '0123456789']])).body.files[0];
  const part = await cloud.api('GET', `/api/cloud/download/${file.id}`, token, undefined, { range: 'bytes=2-4' });
  assert.equal([part.status, part.body.toString(), part.headers.get('content-range')], [206, '234', 'bytes 2-4/10']);
  const etag = part.headers.get('etag')!;
  assert.is((await cloud.api('GET', `/api/cloud/download/${file.id}`, token, undefined, { 'if-none-match': etag })).status, 304);
  assert.is((await cloud.api('GET', `/api/cloud/download/${file.id}`, token, undefined, { range: 'bytes=50-' })).status, 416);
  assert.is((await cloud.api('GET', file.download_url)).body.toString(), '0123456789');
  assert.is((await cloud.api('GET', `/api/cloud/download/${file.id}`)).status, 401);
  const other = (await cloud.upload(token, [['other.txt', 'secret']])).body.files[0];
  const stretched = file.download_url.replace(`/download/${file.id}?`, `/download/${other.id}?`);
  assert.is((await cloud.api('GET', stretched)).status, 403, 'a signed URL opens only its own file');
  assert.is((await cloud.api('GET', file.download_url.replace(/exp=\d+/, 'exp=9999999999'))).status, 403);
});

files('an upload over the size limit leaves nothing and gives its reservation back', async () => {
  const cloud = await startCloud({ config: { CLOUD_MAX_FILE_SIZE: 1000 } });
  const userId = newUserId();
  const token = await tokenFor({ id: userId });
  const refused = await cloud.upload(token, [['big.bin', Buffer.alloc(50_000, 1)]]);
  assert.is(refused.status, 413, JSON.stringify(refused.body));
  const stats = (await cloud.api('GET', '/api/cloud/stats', token)).body;
  assert.equal([stats.used, stats.files], [0, 0]);
  assert.is(await reservedBytes(userId), 0);
});

files('an upload cut off mid-stream leaves nothing and gives its reservation back', async () => {
  const cloud = await startCloud();
  const userId = newUserId();
  const token = await tokenFor({ id: userId });
  const boundary = 'cut-off-boundary';
  const head = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="half.bin"\r\ncontent-type: application/octet-stream\r\n\r\n`;
  await new Promise<void>((resolve) => {
    const url = new URL('/api/cloud/upload', cloud.base);
    const req = request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(1_000_000) },
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.write(head);
    req.write(Buffer.alloc(200_000, 7), () => setTimeout(() => req.destroy(), 200));
  });
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && (await reservedBytes(userId)) !== 0) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.is(await reservedBytes(userId), 0, 'reservation released');
  const stats = (await cloud.api('GET', '/api/cloud/stats', token)).body;
  assert.equal([stats.used, stats.files], [0, 0]);
});

files('deleting a file frees its bytes and ends its share links', async () => {
  const cloud = await startCloud();
  const token = await tokenFor({ id: newUserId() });
  const file = (await cloud.upload(token, [['gone.txt', 'twelve bytes']])).body.files[0];
  await cloud.upload(token, [['gone.txt', 'v2']]);
  const link = (await cloud.api('POST', `/api/cloud/share/${file.id}`, token, { expires_in: 3600 })).body.shared_link;
  const [share] = (await cloud.api('GET', `/api/cloud/file/${file.id}/shares`, token)).body.shares;
  assert.is((await cloud.api('DELETE', `/api/cloud/file/${file.id}`, token)).status, 200);
  assert.is((await cloud.api('GET', `/api/cloud/file/${file.id}`, token)).status, 404);
  assert.is((await cloud.api('GET', `/api/cloud/shared/${link}`)).status, 404);
  assert.is((await cloud.api('GET', '/api/cloud/stats', token)).body.used, 0);
  const { temporal } = await getStack();
  assert.is(await temporal.workflow.getHandle(`share-${share.id}`).result(), 'revoked', 'the link workflow ended early');
});

files.run();
