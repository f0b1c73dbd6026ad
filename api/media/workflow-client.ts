// Starting the media workflows from HTTP handlers, bounded so an unreachable Temporal is a 503.
import type { Client } from '@temporalio/client';
import type { Config } from '../../config/index.js';
import { indexMediaWorkflow, removeMediaBlobsWorkflow } from '../../workflows/media.js';
import { MediaFileId, MediaStatus, OwnerId } from '../../workflows/search-attributes.js';
import { TASK_QUEUES } from '../../workflows/task-queues.js';
import { withinDeadline } from '../shared/temporal-calls.js';

export const indexWorkflowId = (fileId: number) => `media-index-${fileId}`;

export function createMediaWorkflowClient(client: Client, config: Config) {
  const bounded = <T>(start: () => Promise<T>) =>
    withinDeadline(client, config.TEMPORAL_REQUEST_TIMEOUT_MS, 'The media workflow service is unavailable right now; nothing was changed', start);
  return {
    startIndexing: (file: { id: number; owner_id: number }) =>
      bounded(() =>
        client.workflow.start(indexMediaWorkflow, {
          workflowId: indexWorkflowId(file.id),
          taskQueue: TASK_QUEUES.media,
          args: [{ fileId: file.id }],
          // Ids only: a file's name is its owner's words and can say anything about a patient.
          staticSummary: `Index media file ${file.id}`,
          typedSearchAttributes: [
            { key: MediaFileId, value: String(file.id) },
            { key: OwnerId, value: file.owner_id },
            { key: MediaStatus, value: 'processing' },
          ],
        }),
      ),
    removeBlobs: (fileId: number, keys: string[]) =>
      bounded(() =>
        client.workflow.start(removeMediaBlobsWorkflow, {
          workflowId: `media-remove-${fileId}`,
          taskQueue: TASK_QUEUES.media,
          args: [keys],
          // The row is deleted in a transaction that commits after this start returns; give it time
          // to commit, or the blobs would still look referenced and stay.
          startDelay: '5 seconds',
          staticSummary: `Remove the blobs of deleted media file ${fileId}`,
        }),
      ),
  };
}

export type MediaWorkflowClient = ReturnType<typeof createMediaWorkflowClient>;
