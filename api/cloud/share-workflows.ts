// Starting and ending the shareLinkWorkflow of a link. The share_links row is the truth the download
// path reads, so ending a workflow early is best effort: if Temporal is down the timer simply fires
// later and finds the link already closed.
import type { Client } from '@temporalio/client';
import type { Config } from '../../config/index.js';
import { revokeShareSignal } from '../../workflows/cloud.js';

export const shareWorkflowId = (linkId: number) => `share-${linkId}`;

export async function endShareWorkflows(temporal: Client, config: Config, linkIds: readonly number[]): Promise<void> {
  await Promise.allSettled(
    linkIds.map((id) =>
      temporal.withDeadline(Date.now() + config.TEMPORAL_REQUEST_TIMEOUT_MS, () => temporal.workflow.getHandle(shareWorkflowId(id)).signal(revokeShareSignal)),
    ),
  );
}
