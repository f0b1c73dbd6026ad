// Removes blobs that no row references any more, each under its blob lock, so an upload of the same
// bytes committing at that moment keeps its blob. One routine for every blob-keeping service: the
// service's database says what "referenced" and "locked" mean (db/media/blobs.ts, db/cloud/blobs.ts).
// Used by the APIs (failed uploads, deleted files, dropped versions), the removal activities and the
// storage sweep.
import type { CommonQueryMethods, DatabasePool } from 'slonik';
import type { BlobStore } from './blob-store.js';

/** What one service's database knows about its blobs. */
export interface BlobReferences {
  /** Runs `work` holding the blob's lock: no upload of the same bytes commits meanwhile. */
  withBlobLock<T>(pool: DatabasePool, key: string, work: (db: CommonQueryMethods) => Promise<T>): Promise<T>;
  /** Whether any row still uses the blob. */
  isBlobReferenced(db: CommonQueryMethods, key: string): Promise<boolean>;
}

/** Deletes each of `keys` from the store unless a row uses it; how many it deleted. */
export async function removeUnreferencedBlobs(
  pool: DatabasePool,
  store: BlobStore,
  references: BlobReferences,
  keys: Iterable<string>,
  onEach?: () => void,
): Promise<number> {
  let removed = 0;
  for (const key of new Set(keys)) {
    await references.withBlobLock(pool, key, async (db) => {
      if (await references.isBlobReferenced(db, key)) return;
      await store.delete(key);
      removed++;
    });
    onEach?.();
  }
  return removed;
}
