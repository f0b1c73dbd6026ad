// Removes blobs that no stored version references any more, each under its blob lock, so an upload
// of the same bytes that is committing at the same moment keeps its blob. Used by the API (file
// deletion, dropped versions, failed uploads) and by the folder deletion activity.
import type { DatabasePool } from 'slonik';
import { isCloudBlobReferenced, lockBlobs } from '../../db/cloud/blobs.js';
import type { BlobStore } from '../shared/storage.js';

export async function removeUnreferencedBlobs(pool: DatabasePool, store: BlobStore, keys: Iterable<string>, onEach?: () => void): Promise<number> {
  let removed = 0;
  for (const key of new Set(keys)) {
    await pool.transaction(async (transaction) => {
      await lockBlobs(transaction, [key]);
      if (await isCloudBlobReferenced(transaction, key)) return;
      await store.delete(key);
      removed++;
    });
    onEach?.();
  }
  return removed;
}
