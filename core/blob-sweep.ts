// What a crash leaves on disk is reclaimed here, at start and then periodically: upload scratch folders
// (a request cut off by a killed process) and blobs that no row references (stored, then the process
// died before the row committed, or after a row's deletion committed but before its blob was
// removed). Only entries older than the upload timeout are touched: no live upload can be that old,
// since the server cuts off slower ones, and a blob being recorded right now is younger than that.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatabasePool } from 'slonik';
import type { Config } from '../config/index.js';
import { type BlobReferences, removeUnreferencedBlobs } from './blob-cleanup.js';
import type { Logger } from './logger.js';
import { type BlobStore, createLocalBlobStore } from './blob-store.js';

/**
 * When an unfinished upload (its scratch files, unrecorded blobs, quota reservation) counts as
 * abandoned: the server cut it off at the upload timeout, and recording what arrived takes far less
 * than a second timeout.
 */
export const abandonedAfterMs = (config: { UPLOAD_TIMEOUT_MS: number }) => 2 * config.UPLOAD_TIMEOUT_MS;

export interface StorageSweepOptions {
  store: BlobStore;
  /** Entries younger than this are left alone. */
  olderThanMs: number;
  /** Deletes the blob if no row references it (under the service's blob lock); true if it did. */
  removeIfUnreferenced(key: string): Promise<boolean>;
  logger: Logger;
}

export async function sweepStorage(options: StorageSweepOptions): Promise<{ scratch: number; blobs: number }> {
  const cutoff = Date.now() - options.olderThanMs;
  let scratch = 0;
  for (const name of await readdir(options.store.scratchDir).catch(() => [] as string[])) {
    const path = join(options.store.scratchDir, name);
    const info = await stat(path).catch(() => null);
    if (info && info.mtimeMs < cutoff) {
      await rm(path, { recursive: true, force: true });
      scratch++;
    }
  }
  let blobs = 0;
  for await (const blob of options.store.list()) {
    if (blob.modifiedAt.getTime() < cutoff && (await options.removeIfUnreferenced(blob.key))) blobs++;
  }
  if (scratch || blobs) options.logger.info({ scratch, blobs }, 'storage sweep removed what crashed uploads and deletions left behind');
  return { scratch, blobs };
}

/**
 * A blob-keeping service's sweeper (media, cloud): its store under STORAGE_ROOT/<service>, swept now and
 * then every `abandonedAfterMs` (at least hourly); stop() ends it. Failures are logged, never thrown.
 */
export function startStorageSweeper(
  service: 'media' | 'cloud',
  deps: { config: Pick<Config, 'STORAGE_ROOT' | 'UPLOAD_TIMEOUT_MS'>; pool: DatabasePool; logger: Logger },
  /** What the service's database says about its blobs. */
  references: BlobReferences,
): { stop(): void } {
  const store = createLocalBlobStore(join(deps.config.STORAGE_ROOT, service));
  const options: StorageSweepOptions = {
    store,
    olderThanMs: abandonedAfterMs(deps.config),
    removeIfUnreferenced: async (key) => (await removeUnreferencedBlobs(deps.pool, store, references, [key])) > 0,
    logger: deps.logger,
  };
  const run = () => sweepStorage(options).catch((error: unknown) => options.logger.warn({ err: error }, 'storage sweep failed; will try again'));
  void run();
  const timer = setInterval(run, Math.min(options.olderThanMs, 60 * 60_000));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
