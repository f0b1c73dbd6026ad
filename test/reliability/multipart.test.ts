// Malformed multipart against the two upload routes, sent byte for byte over a raw socket: each gets
// a 4xx JSON answer (or, when the client itself hangs up, no answer) and leaves no row, no blob and
// no scratch file behind.
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { sql } from 'slonik';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { createLocalBlobStore } from '../../core/blob-store.js';
import { getStack } from '../support/stack.js';
import { getServices } from './services.js';

const test = suite('malformed multipart');

interface Raw {
  status: number | null;
  body: any;
}

/** Sends `head` + `body` as bytes; `hangUp` closes the socket after writing instead of waiting. */
async function raw(url: string, path: string, headers: Record<string, string>, body: Buffer, options: { hangUp?: boolean } = {}): Promise<Raw> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const lines = [`POST ${path} HTTP/1.1`, `host: ${hostname}:${port}`, 'connection: close', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  socket.write(body);
  if (options.hangUp) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    return { status: null, body: null };
  }
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise<void>((resolve) => {
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
    setTimeout(() => socket.destroy(), 10_000);
  });
  const text = Buffer.concat(chunks).toString('latin1');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? NaN);
  const payload = text.slice(text.indexOf('\r\n\r\n') + 4);
  let parsed: unknown = payload;
  try {
    parsed = JSON.parse(/^[0-9a-f]+\r\n/i.test(payload) ? payload.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '') : payload);
  } catch {
    // not JSON: the assertion below says so
  }
  return { status: Number.isNaN(status) ? null : status, body: parsed };
}

const part = (name: string, content: string | Buffer, fileName?: string, extraHeaders = '') =>
  Buffer.concat([
    Buffer.from(`--b\r\ncontent-disposition: form-data; name="${name}"${fileName === undefined ? '' : `; filename="${fileName}"`}\r\n${extraHeaders}${fileName === undefined ? '' : 'content-type: application/octet-stream\r\n'}\r\n`),
    Buffer.isBuffer(content) ? content : Buffer.from(content),
    Buffer.from('\r\n'),
  ]);
const close = Buffer.from('--b--\r\n');
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

interface Case {
  name: string;
  contentType?: string;
  body: Buffer;
  /** Declared length when it should lie. */
  length?: number;
  hangUp?: boolean;
}

const cases: Case[] = [
  { name: 'no boundary parameter', contentType: 'multipart/form-data', body: Buffer.concat([part('file', png, 'a.png'), close]) },
  { name: 'a boundary the body never uses', contentType: 'multipart/form-data; boundary=other', body: Buffer.concat([part('file', png, 'a.png'), close]) },
  { name: 'not multipart at all', contentType: 'application/json', body: Buffer.from('{"file":"a.png"}') },
  { name: 'no closing boundary', body: part('file', png, 'a.png') },
  { name: 'part headers of 200 KB', body: Buffer.concat([part('file', png, 'a.png', `x-padding: ${'p'.repeat(200_000)}\r\n`), close]) },
  { name: '5,000 fields', body: Buffer.concat([...Array.from({ length: 5000 }, (_, index) => part(`f${index}`, 'x')), part('file', png, 'a.png'), close]) },
  { name: 'a file field without a file name', body: Buffer.concat([part('file', png), close]) },
  { name: 'a file name that climbs out', body: Buffer.concat([part('file', png, '../../../etc/passwd.png'), close]) },
  { name: 'Content-Length shorter than the body', body: Buffer.concat([part('file', png, 'a.png'), close]), length: 40 },
  { name: 'Content-Length longer than the body, then a hang-up', body: Buffer.concat([part('file', Buffer.alloc(300_000, 1), 'a.bin')]), length: 5_000_000, hangUp: true },
  { name: 'a hang-up mid-file', body: part('file', Buffer.alloc(2_000_000, 1), 'big.bin').subarray(0, 1_000_000), length: 2_000_200, hangUp: true },
];

for (const service of ['media', 'cloud'] as const) {
  test(`${service}: malformed uploads get 4xx JSON and leave nothing`, async () => {
    const services = await getServices();
    const stack = await getStack();
    const owner = await services.login('user');
    const scratch = join(stack.config.STORAGE_ROOT, service, 'tmp');
    const path = service === 'media' ? '/api/media/upload' : '/api/cloud/upload';
    const store = createLocalBlobStore(join(stack.config.STORAGE_ROOT, service));
    const blobs = async () => {
      const keys = new Set<string>();
      for await (const blob of store.list()) keys.add(blob.key);
      return keys;
    };
    const blobsBefore = await blobs();

    // A NUL in a field the route reads (PostgreSQL text cannot hold one).
    const nul: Case = { name: 'a NUL in a field', body: Buffer.concat([part(service === 'media' ? 'description' : 'folder_id', 'before\u0000after'), part('file', png, 'a.png'), close]) };
    for (const entry of [...cases, nul].filter((c) => !process.env.ONLY || c.name.includes(process.env.ONLY))) {
      const answer = await raw(services.urls[service], path, {
        authorization: `Bearer ${owner.token}`,
        'content-type': entry.contentType ?? 'multipart/form-data; boundary=b',
        'content-length': String(entry.length ?? entry.body.length),
      }, entry.body, { hangUp: entry.hangUp });
      if (entry.hangUp) continue;
      assert.ok(answer.status !== null && answer.status >= 400 && answer.status < 500 || answer.status === 201, `${entry.name}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
      if (answer.status === 201) {
        // Only the climbing file name may succeed, stored under a harmless display name.
        assert.is(entry.name, 'a file name that climbs out', `${entry.name} was accepted`);
        assert.not.match(answer.body.files[0].filename ?? answer.body.files[0].name, /\.\.|\//);
      } else {
        assert.type(answer.body?.error, 'string', `${entry.name}: ${JSON.stringify(answer.body).slice(0, 200)}`);
      }
    }

    const deadline = Date.now() + 5000;
    let left: string[] = [];
    while (Date.now() < deadline && (left = await readdir(scratch).catch(() => [])).length) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(left, [], 'no scratch files remain');
    const table = service === 'media' ? sql.fragment`media_files` : sql.fragment`cloud_files`;
    const rows = await stack.pools[service].oneFirst(sql.type(z.object({ count: z.number() }))`select count(*)::int as count from ${table} where owner_id = ${owner.id}`);
    assert.is(rows, 1, 'only the upload with the climbing name was stored');
    const newBlobs = [...(await blobs())].filter((key) => !blobsBefore.has(key));
    const pngKey = createHash('sha256').update(png).digest('hex');
    assert.ok(newBlobs.every((key) => key === pngKey), `no blob but the stored upload's: ${newBlobs.join(', ')}`);
  });
}

test.run();
