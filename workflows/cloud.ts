// deleteFolderTreeWorkflow (id `folder-delete-<id>`): the folder and everything below it were hidden
// by the API at once; this removes them for good in batches, resumable after any crash, with its
// progress queryable.
import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { CloudActivities } from '../activities/cloud.js';

const { purgeFolderBatch } = proxyActivities<CloudActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '5 minutes' },
});

export interface FolderDeletionProgress {
  folderId: number;
  filesRemoved: number;
  bytesFreed: number;
  batches: number;
  done: boolean;
}

export const deletionProgressQuery = defineQuery<FolderDeletionProgress>('getState');

export async function deleteFolderTreeWorkflow(input: { folderId: number; batchSize?: number }): Promise<FolderDeletionProgress> {
  const progress: FolderDeletionProgress = { folderId: input.folderId, filesRemoved: 0, bytesFreed: 0, batches: 0, done: false };
  setHandler(deletionProgressQuery, () => progress);
  while (!progress.done) {
    const batch = await purgeFolderBatch({ folderId: input.folderId, batchSize: input.batchSize ?? 200 });
    progress.filesRemoved += batch.filesRemoved;
    progress.bytesFreed += batch.bytesFreed;
    progress.batches++;
    progress.done = batch.done;
  }
  return progress;
}
