// Activities of the cloud task queue: removing a deleted folder tree batch by batch, and blobs
// nobody references any more. Each batch is its own transaction, so a crash resumes where it stopped.
import { join } from 'node:path';
import { heartbeat } from '@temporalio/activity';
import { removeUnreferencedBlobs } from '../core/blob-cleanup.js';
import { createLocalBlobStore } from '../core/blob-store.js';
import * as cloudBlobs from '../db/cloud/blobs.js';
import { addUsage } from '../db/cloud/files.js';
import { purgeDeletedBatch } from '../db/cloud/folders.js';
import { setShareState } from '../db/cloud/shares.js';
import type { ActivityDeps } from './index.js';

export interface TreeProgress {
  filesRemoved: number;
  bytesFreed: number;
  done: boolean;
}

export function createCloudActivities({ pools, config }: ActivityDeps) {
  const db = pools.cloud;
  const store = createLocalBlobStore(join(config.STORAGE_ROOT, 'cloud'));

  return {
    /** Marks a link expired (a revoked or already expired one stays as it is). */
    async expireShareLink(linkId: number): Promise<boolean> {
      return (await setShareState(db, linkId, 'expired')) !== null;
    },

    /** Removes up to `batchSize` files of a deleted tree (their bytes leave the quota); `done` when none remain. */
    async purgeFolderBatch(input: { folderId: number; batchSize: number }): Promise<TreeProgress> {
      const removed = await db.transaction(async (transaction) => {
        const rows = await purgeDeletedBatch(transaction, input.folderId, input.batchSize);
        const byOwner = new Map<number, number>();
        for (const row of rows) byOwner.set(row.owner_id, (byOwner.get(row.owner_id) ?? 0) + row.size_bytes);
        for (const [owner, bytes] of byOwner) await addUsage(transaction, owner, -bytes);
        return rows;
      });
      await removeUnreferencedBlobs(db, store, cloudBlobs, removed.map((row) => row.storage_key), () => heartbeat());
      return {
        filesRemoved: removed.length,
        bytesFreed: removed.reduce((sum, row) => sum + row.size_bytes, 0),
        done: removed.length === 0,
      };
    },
  };
}

export type CloudActivities = ReturnType<typeof createCloudActivities>;
