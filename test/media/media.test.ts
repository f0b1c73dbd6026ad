import { createHash } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import { sql } from 'slonik';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { createMediaActivities } from '../../activities/media.js';
import { createMediaApp } from '../../api/media/app.js';
import { startHttpServer } from '../../api/shared/server.js';
import { createLocalBlobStore } from '../../core/blob-store.js';
import type { Config } from '../../config/index.js';
import { tokenFor } from '../support/http.js';
import { ensureWorkers, getStack } from '../support/stack.js';
import { onTeardown } from '../support/teardown.js';

async function mediaServer(overrides: Partial<Config> = {}) {
  const stack = await getStack();
  await ensureWorkers();
  const app = createMediaApp({ ...stack.depsFor('media'), guard: stack.guard, config: { ...stack.config, ...overrides } });
  const server = await startHttpServer(app, { host: '127.0.0.1', port: 0, graceMs: 1000 });
  onTeardown(() => server.close());
  return server.url;
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const png = (width: number, height: number, seed = 0) =>
  sharp({ create: { width, height, channels: 3, background: { r: seed % 256, g: 80, b: 160 } } }).png().toBuffer();

/** One second of 8 kHz mono silence as a WAV file. */
function wav(seconds = 1, rate = 8000): Buffer {
  const data = Buffer.alloc(seconds * rate * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

async function upload(url: string, token: string, files: Array<[Buffer, string]>, extra: Record<string, string> = {}) {
  const form = new FormData();
  for (const [data, name] of files) form.append(files.length === 1 ? 'file' : 'files', new Blob([new Uint8Array(data)]), name);
  for (const [key, value] of Object.entries(extra)) form.append(key, value);
  const response = await fetch(`${url}/api/media/upload`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as any };
}

async function indexed(fileId: number) {
  const { temporal } = await getStack();
  return temporal.workflow.getHandle(`media-index-${fileId}`).result();
}

const get = async (url: string, path: string, token?: string, headers: Record<string, string> = {}) => {
  const response = await fetch(`${url}${path}`, { headers: { ...(token && { authorization: `Bearer ${token}` }), ...headers } });
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, headers: response.headers, body: type.includes('json') ? await response.json() : Buffer.from(await response.arrayBuffer()) } as { status: number; headers: Headers; body: any };
};

const media = suite('media library');

media('an image is stored, indexed by its workflow (checksum, dimensions, thumbnail) and downloadable', async () => {
  const url = await mediaServer();
  const owner = 400_000 + Math.floor(Math.random() * 100_000);
  const token = await tokenFor({ id: owner });
  const image = await png(40, 30, owner);
  const created = await upload(url, token, [[image, 'Smile "front".png']], { description: 'Front teeth', tags: 'xray, Front', user_id: '1' });
  assert.is(created.status, 201, JSON.stringify(created.body));
  const [file] = created.body.files;
  assert.equal([created.body.success_count, created.body.total_count, created.body.uploaded_files], [1, 1, ['Smile "front".png']]);
  assert.equal([file.owner_id, file.status, file.workflow_id, file.tags], [owner, 'processing', `media-index-${file.id}`, ['xray', 'front']]);
  assert.equal(await indexed(file.id), { status: 'indexed', checksum: sha(image) });

  const read = (await get(url, `/api/media/file/${file.id}`, token)).body.file;
  assert.equal([read.status, read.checksum, read.metadata.width, read.metadata.height, read.mime_type], ['indexed', sha(image), 40, 30, 'image/png']);
  const thumbnail = await get(url, read.thumbnail_url);
  assert.equal([thumbnail.status, thumbnail.headers.get('content-type')], [200, 'image/webp']);
  const download = await get(url, read.download_url, undefined, { range: 'bytes=0-7' });
  assert.equal([download.status, (download.body as Buffer).toString('hex')], [206, image.subarray(0, 8).toString('hex')]);
  const tampered = await get(url, read.download_url.replace(/sig=[^&]+/, 'sig=AAAA'));
  assert.is(tampered.status, 403);
  const found = await get(url, '/api/media/files?q=front&type=images', token);
  assert.ok(found.body.files.some((listed: { id: number }) => listed.id === file.id), 'full-text search finds it');

  // Search follows an edit: the new words find the file, the replaced ones no longer do.
  const edited = await fetch(`${url}/api/media/file/${file.id}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ description: 'Bleaching result', tags: ['whitening'] }),
  });
  assert.is(edited.status, 200);
  const ids = async (query: string) => (await get(url, `/api/media/files?q=${query}`, token)).body.files.map((listed: { id: number }) => listed.id);
  assert.equal([await ids('bleaching'), await ids('whitening'), await ids('xray')], [[file.id], [file.id], []]);
});

media('several files in one upload; EXIF is read; the library pages, filters, searches and sorts', async () => {
  const url = await mediaServer();
  const token = await tokenFor({ id: 500_000 + Math.floor(Math.random() * 100_000) });
  const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 10, g: 20, b: 30 } } })
    .jpeg()
    .withExif({ IFD0: { Make: 'Qhitz', Model: 'IntraCam 2' }, IFD2: { DateTimeOriginal: '2026:03:14 09:26:53' } })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  const files: Array<[Buffer, string]> = [[photo, 'molar.jpg'], [await png(20, 20, 1), 'incisor.png'], [wav(1), 'chime.wav'], [await png(21, 21, 2), 'canine.png']];
  const created = await upload(url, token, files, { tags: 'batch', description: 'checkup series' });
  assert.is(created.status, 201, JSON.stringify(created.body));
  assert.equal([created.body.success_count, created.body.total_count], [4, 4]);
  assert.equal(created.body.uploaded_files, ['molar.jpg', 'incisor.png', 'chime.wav', 'canine.png'], 'in the order sent');
  for (const file of created.body.files) assert.equal((await indexed(file.id)).status, 'indexed');

  const molar = (await get(url, `/api/media/file/${created.body.files[0].id}`, token)).body.file;
  assert.equal([molar.metadata.camera, molar.metadata.orientation, molar.metadata.taken_at?.slice(0, 10)], ['Qhitz IntraCam 2', 6, '2026-03-14']);

  const page = async (query: string) => (await get(url, `/api/media/files?${query}`, token)).body;
  const first = await page('tags=batch&per_page=3&sort=name');
  assert.equal([first.total, first.page, first.per_page, first.pages], [4, 1, 3, 2]);
  assert.equal(first.files.map((file: { original_filename: string }) => file.original_filename), ['canine.png', 'chime.wav', 'incisor.png']);
  assert.equal((await page('tags=batch&per_page=3&sort=name&page=2')).files.map((file: { original_filename: string }) => file.original_filename), ['molar.jpg']);
  assert.equal((await page('tags=batch&type=audio')).files.map((file: { original_filename: string }) => file.original_filename), ['chime.wav']);
  assert.is((await page('tags=batch&type=images')).total, 3);
  assert.equal((await page('q=incisor')).files.map((file: { original_filename: string }) => file.original_filename), ['incisor.png'], 'search by name');
  assert.is((await page('q=checkup&tags=batch')).total, 4, 'search by description');
  assert.is((await page('per_page=101')).error, 'validation_failed');
});

media('audio gets its duration; content that contradicts its name is refused, naming both', async () => {
  const url = await mediaServer();
  const token = await tokenFor({ id: 500_000 + Math.floor(Math.random() * 100_000) });
  const sound = await upload(url, token, [[wav(1), 'chime.wav']]);
  assert.is(sound.status, 201, JSON.stringify(sound.body));
  await indexed(sound.body.files[0].id);
  const read = (await get(url, `/api/media/file/${sound.body.files[0].id}`, token)).body.file;
  assert.equal([read.file_type, read.status, read.metadata.duration], ['audio', 'indexed', 1]);

  const disguised = await upload(url, token, [[await png(8, 8), 'song.mp3']]);
  assert.is(disguised.status, 415);
  assert.match(disguised.body.message, /song\.mp3 is named as audio \(\.mp3\) but its content is image\/png/);
  const unknown = await upload(url, token, [[Buffer.from('MZ\x90\x00binary'), 'tool.exe']]);
  assert.is(unknown.status, 415);
  const listed = await get(url, '/api/media/files?per_page=100', token);
  assert.is(listed.body.total, 1, 'refused uploads left no row');
});

media('over the size limit is 413 and keeps nothing; a failing step ends "failed" but the file stays', async () => {
  const url = await mediaServer({ MEDIA_MAX_FILE_SIZE: 20_000 });
  const token = await tokenFor({ id: 600_000 + Math.floor(Math.random() * 100_000) });
  const big = await upload(url, token, [[Buffer.concat([await png(8, 8), Buffer.alloc(50_000)]), 'big.png']]);
  assert.is(big.status, 413);
  assert.is((await get(url, '/api/media/files', token)).body.total, 0);

  const corrupt = Buffer.concat([(await png(8, 8)).subarray(0, 40), Buffer.from('not really an image at all')]);
  const broken = await upload(url, token, [[corrupt, 'broken.png']]);
  assert.is(broken.status, 201);
  const result = (await indexed(broken.body.files[0].id)) as { status: string; reason: string };
  assert.is(result.status, 'failed');
  const read = (await get(url, `/api/media/file/${broken.body.files[0].id}`, token)).body.file;
  assert.equal([read.status, typeof read.failure_reason], ['failed', 'string']);
  assert.is((await get(url, read.download_url)).status, 200, 'still downloadable');
});

media('identical uploads share one blob, removed only when the last reference goes', async () => {
  const url = await mediaServer();
  const { config, pools } = await getStack();
  const store = createLocalBlobStore(join(config.STORAGE_ROOT, 'media'));
  const token = await tokenFor({ id: 700_000 + Math.floor(Math.random() * 100_000) });
  const image = await png(12, 12, 99);
  const first = (await upload(url, token, [[image, 'a.png']])).body.files[0];
  const second = (await upload(url, token, [[image, 'b.png']])).body.files[0];
  await Promise.all([indexed(first.id), indexed(second.id)]);
  const keys = await pools.media.anyFirst(sql.type(z.object({ storage_key: z.string() }))`select storage_key from media_files where id in (${first.id}, ${second.id})`);
  assert.equal([...new Set(keys)], [sha(image)], 'one blob for both rows');

  const remove = (id: number) => fetch(`${url}/api/media/file/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  assert.is((await remove(first.id)).status, 200);
  assert.is((await get(url, `/api/media/file/${first.id}`, token)).status, 404, 'the row goes at once');
  const { temporal } = await getStack();
  await temporal.workflow.getHandle(`media-remove-${first.id}`).result();
  assert.ok(await store.stat(sha(image)), 'still referenced by the second upload');
  assert.is((await get(url, second.download_url)).status, 200);
  assert.is((await remove(second.id)).status, 200);
  await temporal.workflow.getHandle(`media-remove-${second.id}`).result();
  assert.is(await store.stat(sha(image)), null, 'gone with its last reference');
});

media('a thumbnail removed before its row was recorded (a delete of an identical file) is made again', async () => {
  const url = await mediaServer();
  const { config, logger, pools } = await getStack();
  const store = createLocalBlobStore(join(config.STORAGE_ROOT, 'media'));
  const activities = createMediaActivities({ config, logger, pools });
  const token = await tokenFor({ id: 700_000 + Math.floor(Math.random() * 100_000) });
  const file = (await upload(url, token, [[await png(14, 14, 41), 'c.png']])).body.files[0];
  await indexed(file.id);
  const thumbnailKey = await activities.makeThumbnail(file.id);
  assert.ok(thumbnailKey);
  // What a concurrent delete of an identical file does between makeThumbnail and finishIndexing.
  await store.delete(thumbnailKey);
  await activities.finishIndexing({ fileId: file.id, checksum: sha(await png(14, 14, 41)), metadata: { width: 14, height: 14 }, thumbnailKey });
  assert.ok(await store.stat(thumbnailKey), 'the thumbnail is back');
  const read = (await get(url, `/api/media/file/${file.id}`, token)).body.file;
  assert.is((await get(url, read.thumbnail_url)).status, 200);
});

media('other users see only public files; only the owner edits', async () => {
  const url = await mediaServer();
  const [alice, bob] = [800_000 + Math.floor(Math.random() * 50_000), 850_000 + Math.floor(Math.random() * 50_000)];
  const [aliceToken, bobToken] = [await tokenFor({ id: alice }), await tokenFor({ id: bob })];
  const file = (await upload(url, aliceToken, [[await png(9, 9, 7), 'private.png']])).body.files[0];
  for (const path of [`/api/media/file/${file.id}`, `/api/media/download/${file.id}`]) assert.is((await get(url, path, bobToken)).status, 404);
  // An admin may open it, and so may the signed URL made for them; a user cannot claim the admin's grant.
  const seenByAdmin = await get(url, `/api/media/file/${file.id}`, await tokenFor({ id: 1, role: 'admin' }));
  assert.is(seenByAdmin.status, 200);
  assert.is((await get(url, seenByAdmin.body.file.download_url)).status, 200, 'the admin’s signed URL opens it');
  const bobsUrl = seenByAdmin.body.file.download_url.replace(/uid=\d+/, `uid=${bob}`);
  assert.is((await get(url, bobsUrl)).status, 403);
  const edit = (token: string, json: object) =>
    fetch(`${url}/api/media/file/${file.id}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(json) });
  assert.is((await edit(bobToken, { is_public: true })).status, 404);
  assert.is((await edit(aliceToken, { is_public: true, tags: ['shared'] })).status, 200);
  assert.is((await get(url, `/api/media/file/${file.id}`, bobToken)).status, 200, 'public now');
  assert.is((await fetch(`${url}/api/media/file/${file.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${bobToken}` } })).status, 404);
  assert.is((await get(url, `/api/media/file/${file.id}`)).status, 401);
  const stats = (await get(url, '/api/media/stats', aliceToken)).body;
  assert.equal([stats.total_files, stats.by_type.image.files], [1, 1]);
});

media('browse totals follow uploads, publishing, moves between kinds and deletes', async () => {
  const url = await mediaServer();
  const { pools } = await getStack();
  const [alice, bob] = [900_000 + Math.floor(Math.random() * 50_000), 950_000 + Math.floor(Math.random() * 50_000)];
  const [aliceToken, bobToken] = [await tokenFor({ id: alice }), await tokenFor({ id: bob })];
  /** Bob's totals as the API reports them, and as counting the rows says they must be. */
  const totals = async () => {
    const reported = await Promise.all(['', 'type=images', 'type=audio'].map(async (query) => (await get(url, `/api/media/files?${query}`, bobToken)).body.total as number));
    const counted = await Promise.all([sql.fragment`true`, sql.fragment`file_type = 'image'`, sql.fragment`file_type = 'audio'`].map((kind) =>
      pools.media.oneFirst(sql.type(z.object({ count: z.number() }))`select count(*)::int as count from media_files where (owner_id = ${bob} or is_public) and ${kind}`)));
    assert.equal(reported, counted, 'reported totals match the rows');
    return reported;
  };
  const before = await totals();
  const mine = (await upload(url, bobToken, [[await png(7, 7, 3), 'mine.png']])).body.files[0];
  const theirs = (await upload(url, aliceToken, [[wav(1), 'theirs.wav']])).body.files[0];
  assert.equal(await totals(), [before[0]! + 1, before[1]! + 1, before[2]!], "another user's private file is not counted");
  const publish = (isPublic: boolean) =>
    fetch(`${url}/api/media/file/${theirs.id}`, { method: 'PUT', headers: { authorization: `Bearer ${aliceToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ is_public: isPublic }) });
  assert.is((await publish(true)).status, 200);
  assert.equal(await totals(), [before[0]! + 2, before[1]! + 1, before[2]! + 1], 'published: counted');
  // The indexing workflow may correct a kind from the content; the counts move with the row.
  await pools.media.query(sql.unsafe`update media_files set file_type = 'video' where id = ${theirs.id}`);
  assert.equal(await totals(), [before[0]! + 2, before[1]! + 1, before[2]!]);
  assert.is((await publish(false)).status, 200);
  assert.equal(await totals(), [before[0]! + 1, before[1]! + 1, before[2]!], 'private again: not counted');
  for (const [id, token] of [[mine.id, bobToken], [theirs.id, aliceToken]] as const) {
    assert.is((await fetch(`${url}/api/media/file/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status, 200);
  }
  assert.equal(await totals(), before, 'deleted: gone from the totals');
});

media.run();
