// Removes media blobs (contents and thumbnails) that no row references any more, each under its blob
// lock, so an upload of the same bytes committing at that moment keeps its blob. Used by the API
// (failed uploads), the blob-removal activity and the storage sweep.
import type { DatabasePool } from 'slonik';
import { isBlobReferenced, withBlobLock } from '../../db/media/files.js';
import type { BlobStore } from '../shared/storage.js';

export async function removeUnreferencedMediaBlobs(pool: DatabasePool, store: BlobStore, keys: Iterable<string>): Promise<number> {
  let removed = 0;
  for (const key of new Set(keys)) {
    await withBlobLock(pool, key, async (connection) => {
      if (await isBlobReferenced(connection, key)) return;
      await store.delete(key);
      removed++;
    });
  }
  return removed;
}
