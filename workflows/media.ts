// indexMediaWorkflow (id `media-index-<fileId>`): upload-then-index. Each step is an idempotent,
// retried activity; a step that cannot succeed marks the file `failed` with the reason, and the file
// stays downloadable. removeMediaBlobsWorkflow deletes blobs whose last reference went, retrying
// until it is done.
import { ApplicationFailure, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { MediaActivities } from '../activities/media.js';
import { MediaStatus } from './search-attributes.js';

const steps = proxyActivities<MediaActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

const cleanup = proxyActivities<MediaActivities>({
  startToCloseTimeout: '1 minute',
  // No maximum: a blob must not outlive its last reference because a disk was briefly unavailable.
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' },
});

export interface IndexResult {
  status: 'indexed' | 'failed';
  checksum?: string;
  reason?: string;
}

export async function indexMediaWorkflow(input: { fileId: number }): Promise<IndexResult> {
  try {
    const checksum = await steps.computeChecksum(input.fileId);
    const metadata = await steps.extractMetadata(input.fileId);
    const thumbnailKey = await steps.makeThumbnail(input.fileId);
    await steps.finishIndexing({ fileId: input.fileId, checksum, metadata, thumbnailKey });
    upsertSearchAttributes([{ key: MediaStatus, value: 'indexed' }]);
    return { status: 'indexed', checksum };
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof ApplicationFailure && cause.type === 'FileGone') return { status: 'failed', reason: cause.message };
    const reason = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
    await steps.markIndexFailed({ fileId: input.fileId, reason });
    upsertSearchAttributes([{ key: MediaStatus, value: 'failed' }]);
    return { status: 'failed', reason };
  }
}

export async function removeMediaBlobsWorkflow(keys: string[]): Promise<number> {
  return cleanup.removeUnreferencedBlobs(keys);
}
