// Moving big files through the APIs the way a client would, without the client holding them in
// memory: a multipart upload streamed from a file on disk, a download counted and discarded, and the
// peak resident memory of a stack process while either runs.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { request } from 'node:http';
import { promisify } from 'node:util';
import type { ServiceName } from '../../config/index.js';
import type { BenchStack } from './stack.js';

const run = promisify(execFile);

/**
 * curl's standard output, or null when the machine has no curl (the caller then uses a Node client).
 * curl is the preferred client: on two shared cores a Node client's own per-chunk work would be
 * measured as much as the server's.
 */
async function curl(args: string[]): Promise<string | null> {
  try {
    return (await run('curl', args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** A response body: JSON when it is an object, else the text (an HTML error page, say). */
const parseBody = (text: string) => (text.startsWith('{') ? JSON.parse(text) : text);

/**
 * A file of `bytes` pseudo-random bytes (incompressible, unlike zeros) at `path`, written a MiB at a
 * time and flushed to disk. Unflushed, it would be the server's cost: once a few hundred MB are dirty
 * the kernel slows every writer to the disk's pace (seen here: fast to ~350 MB, then ~450 MB/s), and
 * the upload measured next would pay for the client's own file.
 */
export async function makeFile(path: string, bytes: number): Promise<void> {
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < bytes; written += block.length) {
      block.writeDoubleLE(Math.random(), 0); // every MiB differs, so nothing deduplicates by accident
      await handle.write(block, 0, Math.min(block.length, bytes - written));
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Waits until every dirty page on the machine is on disk. The kernel writes earlier uploads back in
 * the background (seen here: 1.5 GB of them took seconds), and a download measured meanwhile would
 * share the cores with that writeback: call this before timing reads from the page cache.
 */
export async function settleDisk(): Promise<void> {
  await run('sync');
}

/**
 * Overwrites 16 bytes at `offset` with random ones, so the next upload of the file is new content
 * (blobs are stored by their hash: the same bytes again would only be linked to the stored blob).
 */
export async function restamp(path: string, offset = 4096): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.write(randomBytes(16), 0, 16, offset);
  } finally {
    await handle.close();
  }
}

/** POSTs the file at `path` as the multipart field `file`; resolves with the status, JSON body and ms. */
export async function uploadFile(url: string, token: string, path: string, bytes: number, fileName: string): Promise<{ status: number; body: any; ms: number }> {
  const stdout = await curl(
    // No `Expect: 100-continue`: browsers and most clients send the body at once.
    ['-s', '-H', `authorization: Bearer ${token}`, '-H', 'expect:', '-F', `file=@${path};filename=${fileName};type=application/octet-stream`, '-w', '\n%{http_code} %{time_total}', url],
  );
  if (stdout === null) return uploadWithNode(url, token, path, bytes, fileName);
  const newline = stdout.lastIndexOf('\n');
  const [status, seconds] = stdout.slice(newline + 1).split(' ').map(Number);
  return { status: status!, body: parseBody(stdout.slice(0, newline)), ms: seconds! * 1000 };
}

function uploadWithNode(url: string, token: string, path: string, bytes: number, fileName: string): Promise<{ status: number; body: any; ms: number }> {
  const boundary = `bench-${Math.random().toString(36).slice(2)}`;
  const head = Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${fileName}"\r\ncontent-type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + bytes + tail.length) },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body: parseBody(Buffer.concat(chunks).toString()), ms: performance.now() - started });
      });
    });
    req.on('error', reject);
    req.write(head);
    const file = createReadStream(path, { highWaterMark: 1024 * 1024 });
    file.pipe(req, { end: false });
    file.on('end', () => req.end(tail));
    file.on('error', reject);
  });
}

/** GETs `url` and discards the bytes; resolves with the status, byte count and ms. */
export async function download(url: string): Promise<{ status: number; bytes: number; ms: number }> {
  const stdout = await curl(['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{time_total}', url]);
  if (stdout !== null) {
    const [status, bytes, seconds] = stdout.trim().split(' ').map(Number);
    return { status: status!, bytes: bytes!, ms: seconds! * 1000 };
  }
  const started = performance.now();
  return new Promise((resolve, reject) => {
    request(url, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, bytes, ms: performance.now() - started }));
    })
      .on('error', reject)
      .end();
  });
}

/** Runs `work` while sampling a process's RSS every 20 ms; returns its result and the peak growth. */
export async function withPeakRss<T>(stack: BenchStack, name: ServiceName, work: () => Promise<T>): Promise<{ result: T; baselineMiB: number; peakGrowthMiB: number }> {
  const baselineMiB = stack.rssMiB(name);
  let peak = baselineMiB;
  const sampler = setInterval(() => (peak = Math.max(peak, stack.rssMiB(name))), 20);
  try {
    const result = await work();
    return { result, baselineMiB, peakGrowthMiB: Math.max(0, peak - baselineMiB) };
  } finally {
    clearInterval(sampler);
  }
}

export const mbPerSecond = (bytes: number, ms: number) => Math.round(bytes / 1e6 / (ms / 1000));

/** The middle of repeated runs (the upper middle of an even count). */
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
