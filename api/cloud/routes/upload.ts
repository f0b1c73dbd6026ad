// Uploads into the drive. An upload reserves its bytes against the quota before anything is written
// (the request's declared length), then settles to the real sizes; concurrent uploads cannot
// overshoot. The same name in the same folder makes a new version; the last KEEP_VERSIONS are kept.
import { z } from 'zod';
import * as cloudBlobs from '../../../db/cloud/blobs.js';
import { addUsage, type CloudFile, releaseReservation, reserveQuota, storeUpload } from '../../../db/cloud/files.js';
import type { StoredBlob } from '../../../core/blob-store.js';
import { abandonedAfterMs } from '../../../core/blob-sweep.js';
import { removeUnreferencedBlobs } from '../../../core/blob-cleanup.js';
import { ApiError, invalidFields } from '../../shared/errors.js';
import { defineRoute } from '../../shared/route.js';
import { type IncomingFiles, receiveIntoStore, type UploadedFile, uploadAnswer, uploadAnswerSchema } from '../../shared/uploads.js';
import { fields } from '../../shared/validation.js';
import { cloudFileView } from '../present.js';
import type { CloudContext, CloudServices } from '../services.js';
import { folderOrRefuse, KEEP_VERSIONS, presentFiles } from './files.js';
import { entryName } from './folders.js';

const uploadForm = z.object({ file: z.any().optional(), files: z.any().optional(), folder_id: z.string().optional() });

/** The quota reservation for the request's declared length; 411 without one, 413 when it does not fit. */
async function reserveForUpload({ pool, config }: CloudServices, ownerId: number, contentLength: string | null) {
  const declared = Number(contentLength);
  if (!Number.isSafeInteger(declared) || declared <= 0) throw new ApiError(411, 'length_required', 'Send the upload with a Content-Length');
  const reservation = await reserveQuota(pool, ownerId, declared, config.CLOUD_DEFAULT_QUOTA, abandonedAfterMs(config));
  if (!reservation.ok) {
    throw new ApiError(413, 'quota_exceeded', 'This upload does not fit in your storage quota; nothing was kept', {
      extra: { used: reservation.used, quota: reservation.quota },
    });
  }
  return reservation.reservationId;
}

/** Checks the form's folder and file names, then links the files into the store and records them. */
async function keepUpload(services: CloudServices, ownerId: number, reservationId: number, upload: IncomingFiles) {
  const folderField = upload.fields.folder_id?.trim();
  const folderId = folderField && folderField !== 'null' ? fields.id.safeParse(folderField).data : null;
  if (folderId === undefined) throw invalidFields({ folder_id: ['must be a folder id or null'] });
  await folderOrRefuse(services.pool, ownerId, folderId);
  for (const file of upload.files) {
    if (!entryName.safeParse(file.name).success) throw invalidFields({ file: [`${file.name}: not a usable file name`] });
  }
  const blobs: Array<{ file: UploadedFile; blob: StoredBlob }> = [];
  for (const file of upload.files) blobs.push({ file, blob: await upload.link(file) });
  return recordUploads(services, { ownerId, folderId, reservationId }, blobs, upload.relinkIfRemoved);
}

/**
 * Records the uploaded blobs as files or new versions in one transaction, settling the reservation
 * to the real sizes. Each blob is locked and re-checked first (see IncomingFiles.relinkIfRemoved).
 */
async function recordUploads(
  { pool }: CloudServices,
  target: { ownerId: number; folderId: number | null; reservationId: number },
  blobs: Array<{ file: UploadedFile; blob: StoredBlob }>,
  relinkIfRemoved: IncomingFiles['relinkIfRemoved'],
) {
  return pool.transaction(async (transaction) => {
    await cloudBlobs.lockBlobs(transaction, blobs.map(({ blob }) => blob.key));
    let used = 0;
    const dropped: string[] = [];
    const files: CloudFile[] = [];
    for (const { file, blob } of blobs) {
      await relinkIfRemoved(file, blob.key);
      const result = await storeUpload(transaction, {
        ownerId: target.ownerId,
        folderId: target.folderId,
        name: file.name,
        mimeType: file.clientMimeType ?? 'application/octet-stream',
        size: blob.size,
        storageKey: blob.key,
        keep: KEEP_VERSIONS,
      });
      used += blob.size - result.dropped.reduce((sum, version) => sum + version.size_bytes, 0);
      dropped.push(...result.dropped.map((version) => version.storage_key));
      files.push(result.file);
    }
    await releaseReservation(transaction, target.reservationId);
    await addUsage(transaction, target.ownerId, used);
    return { files, dropped };
  });
}

async function uploadFiles({ services, event, user }: CloudContext<{ access: 'user'; body: typeof uploadForm }>) {
  const { pool, config, store } = services;
  const reservationId = await reserveForUpload(services, user.id, event.req.headers.get('content-length'));
  const limits = { maxFileSize: config.CLOUD_MAX_FILE_SIZE, maxFiles: 20, maxFields: 10 };
  let recorded: Awaited<ReturnType<typeof recordUploads>>;
  try {
    recorded = await receiveIntoStore(event, { pool, store, references: cloudBlobs }, limits, (upload) => keepUpload(services, user.id, reservationId, upload));
  } catch (error) {
    // Nothing was recorded: the reservation goes back (the bytes no version uses are gone already).
    await releaseReservation(pool, reservationId);
    throw error;
  }
  await removeUnreferencedBlobs(pool, store, cloudBlobs, recorded.dropped);
  event.res.status = 201;
  const files = await presentFiles(services, recorded.files);
  return uploadAnswer(files, files.map((file) => file.original_filename));
}

export const uploadRoutes = [
  defineRoute({
    method: 'POST',
    path: '/api/cloud/upload',
    summary: 'Upload one file (`file`) or several (`files`) into folder_id; an existing name becomes a new version',
    access: 'user',
    rawBody: true,
    body: uploadForm,
    responses: {
      201: {
        description: 'Stored',
        schema: uploadAnswerSchema(cloudFileView),
      },
      413: { description: 'Too large, or over quota (error quota_exceeded with used and quota); nothing kept' },
    },
    example: {
      files: { file: { name: 'invoice-2026-05.txt', type: 'text/plain', content: 'Invoice 2026-05: 3 x cleaning, 1 x filling.\n' } },
      body: { folder_id: '7' },
    },
    handler: uploadFiles,
  }),
];
