// One uploaded file on its way to disk: bytes are accepted as they come off the socket and written
// in batches (a write each time the previous one is done, so a slower disk means fewer, larger
// writes), and hashed once written (background-sha256.ts). Memory stays bounded: `write` says when
// the caller should stop reading until `onRoom` is called.
import { close, open, writev } from 'node:fs';
import { promisify } from 'node:util';
import { BackgroundSha256 } from './background-sha256.js';

const closeFile = promisify(close);

/**
 * Bytes gathered before a write is started. Writes go through the thread pool, and on a fast disk a
 * write per socket chunk (64 KiB) would cost more in hand-offs than in copying.
 */
const MIN_WRITE_BYTES = 256 * 1024;
/** Written bytes between two reports to the hasher: each report is a message to another thread. */
const HASH_REPORT_BYTES = 4 * 1024 * 1024;

export class ScratchFile {
  private fd: number | undefined;
  private hash: BackgroundSha256 | undefined;
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  private inFlightBytes = 0;
  private written = 0;
  private reportedToHash = 0;
  /** No more bytes will come: what is queued is written however little it is. */
  private ending = false;
  private failure: Error | undefined;
  /** Until the file is open (or failed to open), nothing can be written or closed. */
  private readonly opened: Promise<void>;
  private idleWaiters: Array<() => void> = [];

  /**
   * @param maxBacklog bytes accepted but not yet written beyond which `write` asks the caller to wait.
   * @param onRoom called when the backlog is back under `maxBacklog` after `write` said false, or
   *   when writing failed (the next `write` or `finish` throws why).
   */
  constructor(
    readonly path: string,
    private readonly maxBacklog: number,
    private readonly onRoom: () => void,
  ) {
    this.opened = new Promise<void>((resolve) => {
      open(path, 'wx', (error, fd) => {
        if (error) this.fail(error);
        else {
          this.fd = fd;
          this.hash = new BackgroundSha256(path);
        }
        resolve();
        this.flush();
      });
    });
  }

  /** Bytes accepted and not yet on disk. */
  get backlog(): number {
    return this.queuedBytes + this.inFlightBytes;
  }

  /** Takes `data` (kept, not copied, until written); false when the caller should pause its source. */
  write(data: Buffer): boolean {
    if (this.failure) throw this.failure;
    this.queued.push(data);
    this.queuedBytes += data.length;
    this.flush();
    return this.backlog <= this.maxBacklog;
  }

  /** Waits for every byte to be written, then closes the file; resolves with its size and SHA-256. */
  async finish(): Promise<{ size: number; sha256: string }> {
    this.ending = true;
    this.flush();
    await this.idle();
    if (this.failure) throw this.failure;
    await this.close();
    return { size: this.written, sha256: await this.hash!.digest(this.written) };
  }

  /** Stops writing and closes the file; removing it is the caller's (its folder goes as a whole). */
  async abandon(): Promise<void> {
    this.fail(new Error('the upload was abandoned'));
    await this.idle();
    this.hash?.abandon();
    await this.close().catch(() => {});
  }

  private async idle(): Promise<void> {
    await this.opened;
    if (this.inFlightBytes || (this.queuedBytes && !this.failure)) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private async close(): Promise<void> {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) await closeFile(fd);
  }

  private flush(): void {
    if (this.inFlightBytes || this.fd === undefined) return;
    if (this.failure) {
      this.queued = [];
      this.queuedBytes = 0;
    }
    // (Never waiting for more than the caller may send before it pauses.)
    if (this.queuedBytes && this.queuedBytes < Math.min(MIN_WRITE_BYTES, this.maxBacklog) && !this.ending) return;
    if (!this.queuedBytes) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
      return;
    }
    const batch = this.queued;
    this.inFlightBytes = this.queuedBytes;
    this.queued = [];
    this.queuedBytes = 0;
    writev(this.fd, batch, (error) => {
      const wasOver = this.backlog > this.maxBacklog;
      if (error) this.fail(error);
      else {
        this.written += this.inFlightBytes;
        if (this.written - this.reportedToHash >= HASH_REPORT_BYTES) {
          this.hash!.written(this.written);
          this.reportedToHash = this.written;
        }
      }
      this.inFlightBytes = 0;
      this.flush();
      if (wasOver && (this.failure || this.backlog <= this.maxBacklog)) this.onRoom();
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
  }
}
