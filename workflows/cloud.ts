// deleteFolderTreeWorkflow (id `folder-delete-<id>`): the folder and everything below it were hidden
// by the API at once; this removes them for good in batches, resumable after any crash, with its
// progress queryable.
import { condition, continueAsNew, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { CloudActivities } from '../activities/cloud.js';

const { purgeFolderBatch, expireShareLink } = proxyActivities<CloudActivities>({
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

/** Batches per run before continuing as new, so a huge tree never grows one history past its limits. */
const BATCHES_PER_RUN = 500;

export async function deleteFolderTreeWorkflow(input: { folderId: number; batchSize?: number; progress?: FolderDeletionProgress }): Promise<FolderDeletionProgress> {
  const progress: FolderDeletionProgress = input.progress ?? { folderId: input.folderId, filesRemoved: 0, bytesFreed: 0, batches: 0, done: false };
  setHandler(deletionProgressQuery, () => progress);
  let batchesThisRun = 0;
  while (!progress.done) {
    if (batchesThisRun++ === BATCHES_PER_RUN) {
      await continueAsNew<typeof deleteFolderTreeWorkflow>({ ...input, progress });
    }
    const batch = await purgeFolderBatch({ folderId: input.folderId, batchSize: input.batchSize ?? 200 });
    progress.filesRemoved += batch.filesRemoved;
    progress.bytesFreed += batch.bytesFreed;
    progress.batches++;
    progress.done = batch.done;
  }
  return progress;
}

export const revokeShareSignal = defineSignal('revoke');
export const shareStateQuery = defineQuery<{ linkId: number; expiresAt: string; state: 'active' | 'expired' | 'revoked' }>('getState');

/**
 * shareLinkWorkflow (id `share-<link id>`; the token itself never appears in Temporal): sleeps until
 * the link expires, then marks it expired; a revoke signal ends it early. The download path also
 * checks expires_at, so a link never outlives its time even while this worker is down; when the
 * worker returns the timer fires late and the row catches up.
 */
export async function shareLinkWorkflow(input: { linkId: number; expiresAt: string }): Promise<'expired' | 'revoked'> {
  let revoked = false;
  setHandler(revokeShareSignal, () => {
    revoked = true;
  });
  setHandler(shareStateQuery, () => ({ linkId: input.linkId, expiresAt: input.expiresAt, state: revoked ? 'revoked' : 'active' }));
  if (await condition(() => revoked, Math.max(Date.parse(input.expiresAt) - Date.now(), 0))) return 'revoked';
  await expireShareLink(input.linkId);
  return 'expired';
}
