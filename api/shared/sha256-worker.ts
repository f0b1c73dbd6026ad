// The thread behind background-sha256.ts: hashes files as they are written, reading back what has
// landed (from the page cache) so the thread that receives uploads never spends time on SHA-256.
import { closeSync, openSync, readSync } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

/** `path` opens a file, `size` says how far it is written, `done` asks for the digest, `drop` forgets it. */
export type HashRequest = { id: number; path: string } | { id: number; size: number; done: boolean } | { id: number; drop: true };
export type HashAnswer = { id: number; sha256: string } | { id: number; error: string };

interface Hashing {
  fd: number;
  hash: Hash;
  hashed: number;
}

const files = new Map<number, Hashing>();
const buffer = Buffer.allocUnsafe(1024 * 1024);

function hashUpTo(file: Hashing, size: number): void {
  while (file.hashed < size) {
    const read = readSync(file.fd, buffer, 0, Math.min(buffer.length, size - file.hashed), file.hashed);
    if (read === 0) throw new Error(`the file ends at ${file.hashed} bytes, before the ${size} written`);
    file.hash.update(buffer.subarray(0, read));
    file.hashed += read;
  }
}

function forget(id: number): void {
  const file = files.get(id);
  files.delete(id);
  if (file) closeSync(file.fd);
}

parentPort!.on('message', (request: HashRequest) => {
  try {
    if ('path' in request) {
      files.set(request.id, { fd: openSync(request.path, 'r'), hash: createHash('sha256'), hashed: 0 });
    } else if ('drop' in request) {
      forget(request.id);
    } else {
      const file = files.get(request.id);
      if (!file) return; // failed before, and said so then
      hashUpTo(file, request.size);
      if (!request.done) return;
      forget(request.id);
      parentPort!.postMessage({ id: request.id, sha256: file.hash.digest('hex') } satisfies HashAnswer);
    }
  } catch (error) {
    try {
      forget(request.id);
    } catch {
      // closing is best effort once reading failed
    }
    parentPort!.postMessage({ id: request.id, error: (error as Error).message } satisfies HashAnswer);
  }
});
