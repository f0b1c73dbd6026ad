// The thread behind background-sha256.ts: hashes files as they are written, reading back what has
// landed (from the page cache) so the thread that receives uploads never spends time on SHA-256.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

/** The first `size` bytes of `path` are written; `done` asks for their digest, `drop` forgets the file. */
export type HashRequest = { id: number; path: string; size: number; done: boolean } | { id: number; drop: true };
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
    if ('drop' in request) return forget(request.id);
    let file = files.get(request.id);
    if (!file) files.set(request.id, (file = { fd: openSync(request.path, 'r'), hash: createHash('sha256'), hashed: 0 }));
    hashUpTo(file, request.size);
    if (!request.done) return;
    forget(request.id);
    parentPort!.postMessage({ id: request.id, sha256: file.hash.digest('hex') } satisfies HashAnswer);
  } catch (error) {
    try {
      forget(request.id);
    } catch {
      // closing is best effort once reading failed
    }
    parentPort!.postMessage({ id: request.id, error: (error as Error).message } satisfies HashAnswer);
  }
});
