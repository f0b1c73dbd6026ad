// The shared file handling media and cloud build on, over a real HTTP server: streamed multipart
// uploads (limits, aborts, hostile names), content-addressed storage, range/conditional downloads
// and signed URLs.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { H3 } from 'h3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { contentDisposition, blobResponse, parseRange } from '../../api/shared/downloads.js';
import { defineRoute } from '../../api/shared/route.js';
import { startHttpServer, type RunningServer } from '../../api/shared/server.js';
import { createUrlSigner } from '../../api/shared/signed-urls.js';
import { createLocalBlobStore } from '../../core/blob-store.js';
import { receiveIntoStore, receiveUpload, sanitizeFileName } from '../../api/shared/uploads.js';
import { badRequest } from '../../api/shared/errors.js';
import * as mediaBlobs from '../../db/media/blobs.js';
import { getStack } from '../support/stack.js';
import { probeApp } from '../support/probe-app.js';
import { onTeardown } from '../support/teardown.js';

const MAX = 64 * 1024;
let server: RunningServer | undefined;
let store: ReturnType<typeof createLocalBlobStore>;

async function serve(): Promise<string> {
  if (server) return server.url;
  store = createLocalBlobStore(await mkdtemp(join(process.env.QHITZ_TEST_SCRATCH!, 'blobs-')));
  const uploadRoute = (path: string, maxFileSize: number) =>
    defineRoute({
      method: 'POST',
      path,
      summary: 'upload',
      access: 'public',
      rawBody: true,
      handler: async ({ event }) => {
        const upload = await receiveUpload(event, store.scratchDir, { maxFileSize, maxFiles: 3 });
        try {
          const files = [];
          for (const file of upload.files) {
            // put hashes the bytes again, on this thread: the upload's own digest must agree with it.
            const blob = await store.put(createReadStream(file.path));
            if (blob.sha256 !== file.sha256) throw new Error(`upload digest ${file.sha256}, stored bytes ${blob.sha256}`);
            files.push({ field: file.field, name: file.name, size: blob.size, sha256: file.sha256 });
          }
          return { fields: upload.fields, files };
        } finally {
          await upload.discard();
        }
      },
    });
  const { pools } = await getStack();
  const app: H3 = await probeApp([
    uploadRoute('/upload', MAX),
    uploadRoute('/upload/large', 64 * 1024 * 1024),
    defineRoute({
      method: 'POST',
      path: '/upload/into-store',
      summary: 'upload into the store, refused after linking when the form says fail',
      access: 'public',
      rawBody: true,
      handler: ({ event }) =>
        receiveIntoStore(event, { pool: pools.media, store, references: mediaBlobs }, { maxFileSize: MAX, maxFiles: 3 }, async ({ files, fields, link }) => {
          const keys = [];
          for (const file of files) keys.push((await link(file)).key);
          if (fields.fail) throw badRequest('refused after the files were linked');
          return { keys };
        }),
    }),
    defineRoute({
      method: 'GET',
      path: '/blob/:key',
      summary: 'download',
      access: 'public',
      params: z.object({ key: z.string().regex(/^[0-9a-f]{64}$/) }),
      handler: async ({ event, params }) => {
        const info = await store.stat(params.key);
        return blobResponse(event, { store, key: params.key, size: info!.size, sha256: params.key, modifiedAt: info!.modifiedAt, fileName: 'Zahnröntgen "links".png', contentType: 'image/png' });
      },
    }),
  ]);
  server = await startHttpServer(app, { host: '127.0.0.1', port: 0, graceMs: 1000 });
  onTeardown(() => server!.close());
  return server.url;
}

const leftovers = async () => (await readdir(store.scratchDir).catch(() => [])).filter((name) => name.startsWith('upload-'));
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const files = suite('shared file handling');

files('several files stream to content-addressed storage; names are only metadata', async () => {
  const url = await serve();
  const a = Buffer.alloc(40_000, 7);
  const form = new FormData();
  form.append('description', 'two x-rays');
  form.append('files', new Blob([a]), '../../etc/passwd');
  form.append('files', new Blob([Buffer.from('hello')]), 'notes\u0000.txt');
  const response = await fetch(`${url}/upload`, { method: 'POST', body: form });
  const body = (await response.json()) as { fields: Record<string, string>; files: Array<{ name: string; sha256: string; size: number }> };
  assert.is(response.status, 200);
  assert.equal(body.fields, { description: 'two x-rays' });
  assert.equal(body.files.map((file) => [file.size, file.sha256]), [[40_000, sha(a)], [5, sha(Buffer.from('hello'))]]);
  for (const file of body.files) assert.not.match(file.name, /[/\\\u0000]|\.\./);
  assert.equal(await leftovers(), [], 'the request folder is gone');
  const again = await fetch(`${url}/upload`, { method: 'POST', body: form });
  assert.is(((await again.json()) as typeof body).files[0]!.sha256, sha(a), 'same content, same blob');
});

files('an upload into the store: 422 without a file part; a refusal after linking leaves no blob behind', async () => {
  const url = await serve();
  const formWith = (fields: Record<string, string>, contents: Buffer[]) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    for (const [index, content] of contents.entries()) form.append('files', new Blob([new Uint8Array(content)]), `${index}.bin`);
    return form;
  };
  const noFile = await fetch(`${url}/upload/into-store`, { method: 'POST', body: formWith({ note: 'no file here' }, []) });
  assert.is(noFile.status, 422);
  assert.equal(((await noFile.json()) as { details: unknown }).details, { fields: { file: ['send a file in "file", or several in "files"'] } });
  assert.equal(await leftovers(), []);

  const contents = [randomBytes(1000), randomBytes(2000)];
  const refused = await fetch(`${url}/upload/into-store`, { method: 'POST', body: formWith({ fail: 'yes' }, contents) });
  assert.is(refused.status, 400);
  for (const content of contents) assert.is(await store.stat(sha(content)), null, 'a blob nothing references went again');
  assert.equal(await leftovers(), []);

  const kept = await fetch(`${url}/upload/into-store`, { method: 'POST', body: formWith({}, contents) });
  assert.equal(((await kept.json()) as { keys: string[] }).keys, contents.map(sha));
  for (const content of contents) assert.is((await store.stat(sha(content)))?.size, content.length);
  assert.equal(await leftovers(), []);
});

files('files of several MB are hashed right while they stream to disk, an empty one too', async () => {
  const url = await serve();
  const large = randomBytes(9 * 1024 * 1024 + 12_345); // many socket chunks, and a ragged end
  const form = new FormData();
  form.append('files', new Blob([large]), 'scan.bin');
  form.append('files', new Blob([]), 'empty.bin');
  form.append('files', new Blob([large.subarray(0, 3 * 1024 * 1024)]), 'part.bin');
  const response = await fetch(`${url}/upload/large`, { method: 'POST', body: form });
  assert.is(response.status, 200, await response.clone().text());
  const body = (await response.json()) as { files: Array<{ sha256: string; size: number }> };
  assert.equal(
    body.files.map((file) => [file.size, file.sha256]),
    [[large.length, sha(large)], [0, sha(Buffer.alloc(0))], [3 * 1024 * 1024, sha(large.subarray(0, 3 * 1024 * 1024))]],
  );
  assert.equal(await leftovers(), []);
});

files('an oversized file is refused with 413 while streaming, and nothing stays on disk', async () => {
  const url = await serve();
  const form = new FormData();
  form.append('file', new Blob([Buffer.alloc(MAX * 5, 1)]), 'huge.bin');
  const response = await fetch(`${url}/upload`, { method: 'POST', body: form });
  assert.is(response.status, 413);
  assert.is(((await response.json()) as { error: string }).error, 'payload_too_large');
  assert.equal(await leftovers(), []);
  const tooMany = new FormData();
  for (let index = 0; index < 4; index++) tooMany.append('files', new Blob(['x']), `${index}.txt`);
  assert.ok([400, 413].includes((await fetch(`${url}/upload`, { method: 'POST', body: tooMany })).status));
  assert.equal(await leftovers(), []);
  const json = await fetch(`${url}/upload`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  assert.is(json.status, 415);
});

files('a client that disconnects mid-upload leaves nothing behind', async () => {
  const url = new URL(await serve());
  const boundary = 'qhitz-boundary';
  await new Promise<void>((resolve) => {
    const request = httpRequest({
      host: url.hostname,
      port: url.port,
      path: '/upload',
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(MAX) },
    });
    request.on('error', () => resolve());
    request.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n`);
    request.write(Buffer.alloc(20_000, 3));
    setTimeout(() => {
      request.destroy();
      resolve();
    }, 200);
  });
  const deadline = Date.now() + 3000;
  while ((await leftovers()).length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(await leftovers(), []);
});

files('downloads answer ranges, conditional requests and HEAD like a file server', async () => {
  const url = await serve();
  const data = Buffer.from(Array.from({ length: 1000 }, (_, index) => index % 256));
  const key = (await store.put(Readable.from(data))).key;
  const full = await fetch(`${url}/blob/${key}`);
  assert.equal([full.status, full.headers.get('content-length'), full.headers.get('etag'), full.headers.get('accept-ranges')], [200, '1000', `"${key}"`, 'bytes']);
  assert.ok(Buffer.from(await full.arrayBuffer()).equals(data));
  assert.match(full.headers.get('content-disposition')!, /^attachment; filename="Zahnr_ntgen _links_.png"; filename\*=UTF-8''Zahnr%C3%B6ntgen%20%22links%22.png$/);

  const part = await fetch(`${url}/blob/${key}`, { headers: { range: 'bytes=10-19' } });
  assert.equal([part.status, part.headers.get('content-range')], [206, 'bytes 10-19/1000']);
  assert.ok(Buffer.from(await part.arrayBuffer()).equals(data.subarray(10, 20)));
  const tail = await fetch(`${url}/blob/${key}`, { headers: { range: 'bytes=-100' } });
  assert.equal([tail.status, tail.headers.get('content-range'), (await tail.arrayBuffer()).byteLength], [206, 'bytes 900-999/1000', 100]);
  const beyond = await fetch(`${url}/blob/${key}`, { headers: { range: 'bytes=5000-' } });
  assert.equal([beyond.status, beyond.headers.get('content-range')], [416, 'bytes */1000']);
  const cached = await fetch(`${url}/blob/${key}`, { headers: { 'if-none-match': `"${key}"` } });
  assert.is(cached.status, 304);
  const weak = await fetch(`${url}/blob/${key}`, { headers: { 'if-none-match': `"other", W/"${key}"` } });
  assert.is(weak.status, 304, 'a weakened tag from a proxy still matches');
  const head = await fetch(`${url}/blob/${key}`, { method: 'HEAD' });
  assert.equal([head.status, head.headers.get('content-length'), (await head.arrayBuffer()).byteLength], [200, '1000', 0]);
  const staleRange = await fetch(`${url}/blob/${key}`, { headers: { range: 'bytes=0-9', 'if-range': '"other"' } });
  assert.is(staleRange.status, 200, 'a range on a changed file gets the whole file');
});

files('range parsing, disposition and name sanitizing edge cases', () => {
  assert.equal(parseRange('bytes=0-', 10), { start: 0, end: 9 });
  assert.equal(parseRange('bytes=5-100', 10), { start: 5, end: 9 });
  assert.is(parseRange('bytes=0-1,5-6', 10), null);
  assert.is(parseRange('bytes=-0', 10), 'unsatisfiable');
  assert.is(parseRange('items=0-1', 10), null);
  assert.is(parseRange('bytes=5-2', 10), null, 'an invalid range is ignored, not refused');
  assert.is(parseRange('bytes=10-12', 10), 'unsatisfiable');
  assert.match(contentDisposition('a.txt', true), /^inline; /);
  assert.is(sanitizeFileName(''), 'file');
  assert.is(sanitizeFileName('..'), 'file');
  assert.is(sanitizeFileName('C:\\Windows\\evil.exe'), 'C:_Windows_evil.exe');
  assert.ok(Buffer.byteLength(sanitizeFileName('é'.repeat(300))) <= 255);
});

files('signed URLs open one resource for one user until they expire', () => {
  const signer = createUrlSigner('x'.repeat(40));
  const url = new URL(signer.sign('/api/media/download/12', 'media-file:12', 7), 'http://x');
  const query = Object.fromEntries(url.searchParams);
  assert.is(signer.verify('media-file:12', query), 7);
  // At least the lifetime (an hour), rounded up to five minutes: the same URL for the same file and user.
  const expiresAt = Number(query.exp);
  const hourAway = Date.now() / 1000 + 3600;
  assert.ok(expiresAt >= Math.floor(hourAway) && expiresAt <= hourAway + 300 && expiresAt % 300 === 0, `exp ${expiresAt}`);
  assert.is(signer.sign('/api/media/download/12', 'media-file:12', 7), url.pathname + url.search);
  const refused = (resource: string, changed: Record<string, string>, now?: number) =>
    assert.throws(() => signer.verify(resource, { ...query, ...changed }, now), (error: { status: number }) => error.status === 403);
  refused('media-file:13', {});
  refused('media-file:12', { uid: '8' });
  refused('media-file:12', { exp: String(expiresAt + 3600) });
  refused('media-file:12', { sig: 'AAAA' });
  refused('media-file:12', {}, (expiresAt + 1) * 1000);
  assert.throws(() => createUrlSigner('y'.repeat(40)).verify('media-file:12', query));
});

files.run();
