// SHA-256 of a file while it is being written, computed on a thread of its own (sha256-worker.ts):
// hashing was the largest single cost of receiving an upload, and the thread that parses requests is
// the one every request waits for. The worker reads back each stretch once it is written, so no bytes
// are copied or handed across threads; one worker serves every upload of the process.
import { Worker } from 'node:worker_threads';
import type { HashAnswer, HashRequest } from './sha256-worker.js';

let worker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, { resolve(sha256: string): void; reject(error: Error): void }>();

function hashingWorker(): Worker {
  if (worker) return worker;
  const started = new Worker(new URL('./sha256-worker.js', import.meta.url));
  started.on('message', (answer: HashAnswer) => {
    const waiter = waiting.get(answer.id);
    if (!waiter) return;
    waiting.delete(answer.id);
    if (!waiting.size) started.unref();
    if ('sha256' in answer) waiter.resolve(answer.sha256);
    else waiter.reject(new Error(`hashing failed: ${answer.error}`));
  });
  const lost = (error: Error) => {
    if (worker === started) worker = undefined; // the next file starts a new one
    for (const waiter of waiting.values()) waiter.reject(error);
    waiting.clear();
  };
  started.on('error', lost);
  started.on('exit', (code) => lost(new Error(`the hashing worker exited (${code})`)));
  // Only an awaited digest keeps the process alive (unref'd after the listeners, which ref it).
  started.unref();
  worker = started;
  return started;
}

export class BackgroundSha256 {
  private readonly id = nextId++;
  private readonly worker = hashingWorker();

  constructor(private readonly path: string) {}

  /** The first `size` bytes of the file are written (so it exists): hash them while more arrive. */
  written(size: number): void {
    this.post({ id: this.id, path: this.path, size, done: false });
  }

  /** The digest of the file's first `size` bytes, which must all be written. */
  digest(size: number): Promise<string> {
    if (worker !== this.worker) return Promise.reject(new Error('hashing failed: its worker was lost'));
    const result = new Promise<string>((resolve, reject) => waiting.set(this.id, { resolve, reject }));
    this.worker.ref();
    this.post({ id: this.id, path: this.path, size, done: true });
    return result;
  }

  abandon(): void {
    waiting.delete(this.id);
    if (!waiting.size) this.worker.unref();
    this.post({ id: this.id, drop: true });
  }

  private post(request: HashRequest): void {
    this.worker.postMessage(request);
  }
}
