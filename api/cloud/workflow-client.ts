// Starting the cloud workflows from HTTP handlers, bounded so an unreachable Temporal is a 503, and
// ending share links' workflows early. The share_links row is the truth the download path reads, so
// that ending is best effort: if Temporal is down the workflow simply runs at the expiry and finds the
// link already closed.
import type { Client } from '@temporalio/client';
import type { Config } from '../../config/index.js';
import { deleteFolderTreeWorkflow, revokeShareSignal, shareLinkWorkflow } from '../../workflows/cloud.js';
import { FolderId, OwnerId, ShareExpiresAt } from '../../workflows/search-attributes.js';
import { TASK_QUEUES } from '../../workflows/task-queues.js';
import { withinDeadline } from '../shared/temporal-calls.js';

export const shareWorkflowId = (linkId: number) => `share-${linkId}`;
export const folderDeletionWorkflowId = (folderId: number) => `folder-delete-${folderId}`;

export function createCloudWorkflowClient(client: Client, config: Config) {
  const bounded = <T>(whenUnavailable: string, start: () => Promise<T>) => withinDeadline(client, config.TEMPORAL_REQUEST_TIMEOUT_MS, whenUnavailable, start);
  return {
    startShareLink: (link: Parameters<typeof startShareWorkflow>[1]) =>
      bounded('Share links cannot be created right now (the workflow service is unavailable); nothing was created', () => startShareWorkflow(client, link)),
    endShareLinks: (linkIds: readonly number[]) => endShareWorkflows(client, config, linkIds),
    deleteFolderTree: (folder: { id: number; ownerId: number }) =>
      bounded('Folders cannot be deleted right now (the workflow service is unavailable); nothing was deleted', () =>
        client.workflow.start(deleteFolderTreeWorkflow, {
          workflowId: folderDeletionWorkflowId(folder.id),
          taskQueue: TASK_QUEUES.cloud,
          args: [{ folderId: folder.id }],
          // The hiding commits when this start returns; let it land first.
          startDelay: '2 seconds',
          staticSummary: `Delete folder ${folder.id} and everything in it`,
          typedSearchAttributes: [
            { key: FolderId, value: String(folder.id) },
            { key: OwnerId, value: folder.ownerId },
          ],
        }),
      ),
  };
}

export type CloudWorkflowClient = ReturnType<typeof createCloudWorkflowClient>;

function startShareWorkflow(temporal: Client, link: { id: number; ownerId: number; expiresAt: Date; fileId: number }) {
  return temporal.workflow.start(shareLinkWorkflow, {
    workflowId: shareWorkflowId(link.id),
    taskQueue: TASK_QUEUES.cloud,
    args: [{ linkId: link.id, expiresAt: link.expiresAt.toISOString() }],
    // The workflow's wait is this delay: none of its code runs until the link expires or is revoked.
    startDelay: link.expiresAt.getTime() - Date.now(),
    // Ids only: a file's name is its owner's words and can say anything about a patient.
    staticSummary: `Share link ${link.id} for cloud file ${link.fileId}`,
    typedSearchAttributes: [
      { key: ShareExpiresAt, value: link.expiresAt },
      { key: OwnerId, value: link.ownerId },
    ],
  });
}

/**
 * Revokes the workflows of links that were revoked or whose file was deleted. A plain signal would
 * wait out the start delay; a signal-with-start ends it. REJECT_DUPLICATE keeps it from starting a new
 * run for a link whose workflow has already ended (that call fails, and is ignored).
 */
async function endShareWorkflows(temporal: Client, config: Config, linkIds: readonly number[]): Promise<void> {
  await Promise.allSettled(
    linkIds.map((id) =>
      temporal.withDeadline(Date.now() + config.TEMPORAL_REQUEST_TIMEOUT_MS, () =>
        temporal.workflow.signalWithStart(shareLinkWorkflow, {
          workflowId: shareWorkflowId(id),
          taskQueue: TASK_QUEUES.cloud,
          // Read only by a run this call starts, which the revoke ends at once.
          args: [{ linkId: id, expiresAt: new Date().toISOString() }],
          signal: revokeShareSignal,
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      ),
    ),
  );
}
