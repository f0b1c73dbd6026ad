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

/**
 * shareLinkWorkflow (id `share-<link id>`; the token itself never appears in Temporal): marks the link
 * expired at its expiry, unless it was revoked first. The API starts it with a start delay that ends
 * at the expiry, so the waiting is the server's alone and no workflow task runs while the link is
 * open: creating a link costs the server one write instead of a start plus a first task, which about
 * halved its CPU per link. A revoke arrives as a signal-with-start, the kind of signal that ends a
 * start delay early. The download path also checks expires_at, so a link never outlives its time
 * even while this worker is down; when the worker returns the workflow runs late and the row catches up.
 */
export async function shareLinkWorkflow(input: { linkId: number; expiresAt: string }): Promise<'expired' | 'revoked'> {
  let revoked = false;
  // A revoke delivered with the start reaches this handler as it is set, before the checks below.
  setHandler(revokeShareSignal, () => {
    revoked = true;
  });
  const untilExpiry = Date.parse(input.expiresAt) - Date.now();
  // After the start delay nothing is left to wait for; a run that began early still waits out the rest.
  if (revoked || (untilExpiry > 0 && (await condition(() => revoked, untilExpiry)))) return 'revoked';
  await expireShareLink(input.linkId);
  return 'expired';
}
