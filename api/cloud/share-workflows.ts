// Starting and ending the shareLinkWorkflow of a link. The share_links row is the truth the download
// path reads, so ending a workflow early is best effort: if Temporal is down the workflow simply runs
// at the expiry and finds the link already closed.
import type { Client } from '@temporalio/client';
import type { Config } from '../../config/index.js';
import { revokeShareSignal, shareLinkWorkflow } from '../../workflows/cloud.js';
import { OwnerId, ShareExpiresAt } from '../../workflows/search-attributes.js';
import { TASK_QUEUES } from '../../workflows/task-queues.js';

export const shareWorkflowId = (linkId: number) => `share-${linkId}`;

export function startShareWorkflow(temporal: Client, link: { id: number; ownerId: number; expiresAt: Date; fileId: number }) {
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
export async function endShareWorkflows(temporal: Client, config: Config, linkIds: readonly number[]): Promise<void> {
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
