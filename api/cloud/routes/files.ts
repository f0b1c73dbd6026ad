// Files in the drive. An upload reserves its bytes against the quota before anything is written
// (the request's declared length), then settles to the real sizes; concurrent uploads cannot
// overshoot. The same name in the same folder makes a new version; the last 10 are kept.
import { join } from 'node:path';
import type { H3Event } from 'h3';
import { UniqueIntegrityConstraintViolationError } from 'slonik';
import { z } from 'zod';
import * as cloudBlobs from '../../../db/cloud/blobs.js';
import {
  type CloudFile,
  cloudStats,
  deleteCloudFile,
  findCloudFile,
  addUsage,
  getQuota,
  listCloudFiles,
  listVersions,
  releaseReservation,
  reserveQuota,
  setQuota,
  shareStates,
  storeUpload,
  updateCloudFile,
} from '../../../db/cloud/files.js';
import { findFolder } from '../../../db/cloud/folders.js';
import type { Principal } from '../../shared/auth-guard.js';
import { blobResponse } from '../../shared/downloads.js';
import { ApiError, conflict, invalidFields, notFound, unauthorized } from '../../shared/errors.js';
import { pageOf, pageSchema } from '../../shared/pages.js';
import { defineRoute } from '../../shared/route.js';
import { createLocalBlobStore, type StoredBlob } from '../../../core/blob-store.js';
import { abandonedAfterMs } from '../../../core/blob-sweep.js';
import { receiveUpload, type UploadedFile, uploadAnswer, uploadAnswerSchema } from '../../shared/uploads.js';
import { fields } from '../../shared/validation.js';
import { urlSigningSecret } from '../../shared/url-signing-secret.js';
import type { CloudAppDeps } from '../app.js';
import { removeUnreferencedBlobs } from '../../../core/blob-cleanup.js';
import { cloudFileView, cloudStatsView, createCloudPresenter } from '../present.js';
import { endShareWorkflows } from '../share-workflows.js';
import { entryName } from './folders.js';

/** Versions kept per file; an upload past this drops the oldest, whose bytes leave the quota. */
const KEEP_VERSIONS = 10;

/** `folder_id=`, `folder_id=null` → the root; a number → that folder; absent → anywhere. */
const folderFilter = z
  .union([z.literal(''), z.literal('null'), fields.id])
  .optional()
  .transform((value) => (value === '' || value === 'null' ? null : value));

export function fileRoutes(deps: CloudAppDeps) {
  const { pool, config } = deps;
  const temporal = deps.temporal!;
  const store = createLocalBlobStore(join(config.STORAGE_ROOT, 'cloud'));
  const presenter = createCloudPresenter(urlSigningSecret(config), deps.guard);

  /** Files as answers show them, their share state read in one statement. */
  async function present(files: readonly CloudFile[]) {
    const shares = await shareStates(pool, files.map((file) => file.id));
    // A file deleted since it was read has no state left: it is no longer shared either.
    return files.map((file) => presenter.file({ ...file, ...(shares.get(file.id) ?? { is_shared: false, share_token_seed: null, share_token_hash: null }) }));
  }

  /** The caller's file, found by token or by a signed URL for it; 404 for anything not theirs. */
  async function ownerOf(event: H3Event, user: Principal | null, id: number) {
    const query = Object.fromEntries(event.url.searchParams);
    if (!user && !query.sig) throw unauthorized('Send a token, or use the signed download_url of the file');
    const ownerId = user?.id ?? presenter.signedOwner(id, query);
    const file = await findCloudFile(pool, id, ownerId);
    if (!file) throw notFound('No such file');
    return file;
  }

  async function folderOrRefuse(ownerId: number, folderId: number | null) {
    if (folderId !== null && !(await findFolder(pool, folderId, ownerId))) throw invalidFields({ folder_id: ['no such folder of yours'] });
  }

  /**
   * Records the uploaded blobs as files or new versions in one transaction. Each blob is locked and
   * re-checked first: a deletion of identical bytes may have removed it between put and lock.
   */
  async function recordUploads(ownerId: number, folderId: number | null, blobs: Array<{ file: UploadedFile; blob: StoredBlob }>, reservationId: number) {
    return pool.transaction(async (transaction) => {
      await cloudBlobs.lockBlobs(transaction, blobs.map(({ blob }) => blob.key));
      let used = 0;
      const dropped: string[] = [];
      const files: CloudFile[] = [];
      for (const { file, blob } of blobs) {
        if (!(await store.stat(blob.key))) await store.adopt(file.path, file);
        const result = await storeUpload(transaction, {
          ownerId,
          folderId,
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
      await releaseReservation(transaction, reservationId);
      await addUsage(transaction, ownerId, used);
      return { files, dropped };
    });
  }

  return [
    defineRoute({
      method: 'POST',
      path: '/api/cloud/upload',
      summary: 'Upload one file (`file`) or several (`files`) into folder_id; an existing name becomes a new version',
      access: 'user',
      rawBody: true,
      body: z.object({ file: z.any().optional(), files: z.any().optional(), folder_id: z.string().optional() }),
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
      handler: async ({ event, user }) => {
        const declared = Number(event.req.headers.get('content-length'));
        if (!Number.isSafeInteger(declared) || declared <= 0) throw new ApiError(411, 'length_required', 'Send the upload with a Content-Length');
        const reservation = await reserveQuota(pool, user.id, declared, config.CLOUD_DEFAULT_QUOTA, abandonedAfterMs(config));
        if (!reservation.ok) {
          throw new ApiError(413, 'quota_exceeded', 'This upload does not fit in your storage quota; nothing was kept', {
            extra: { used: reservation.used, quota: reservation.quota },
          });
        }
        const written: string[] = [];
        let upload: Awaited<ReturnType<typeof receiveUpload>> | undefined;
        let recorded: Awaited<ReturnType<typeof recordUploads>>;
        try {
          upload = await receiveUpload(event, store.scratchDir, { maxFileSize: config.CLOUD_MAX_FILE_SIZE, maxFiles: 20, maxFields: 10 });
          const incoming = upload.files.filter((file) => file.field === 'file' || file.field === 'files');
          if (!incoming.length) throw invalidFields({ file: ['send a file in "file", or several in "files"'] });
          const folderField = upload.fields.folder_id?.trim();
          const folderId = folderField && folderField !== 'null' ? fields.id.safeParse(folderField).data : null;
          if (folderId === undefined) throw invalidFields({ folder_id: ['must be a folder id or null'] });
          await folderOrRefuse(user.id, folderId);
          for (const file of incoming) {
            if (!entryName.safeParse(file.name).success) throw invalidFields({ file: [`${file.name}: not a usable file name`] });
          }
          const blobs: Array<{ file: UploadedFile; blob: StoredBlob }> = [];
          for (const file of incoming) {
            // A hard link, not a copy: the parsed upload already sits on the store's disk.
            const blob = await store.adopt(file.path, file);
            written.push(blob.key);
            blobs.push({ file, blob });
          }
          recorded = await recordUploads(user.id, folderId, blobs, reservation.reservationId);
        } catch (error) {
          // Nothing was recorded: give the reservation back and remove the bytes no version uses.
          await releaseReservation(pool, reservation.reservationId);
          await removeUnreferencedBlobs(pool, store, cloudBlobs, written);
          throw error;
        } finally {
          await upload?.discard();
        }
        await removeUnreferencedBlobs(pool, store, cloudBlobs, recorded.dropped);
        event.res.status = 201;
        const files = await present(recorded.files);
        return uploadAnswer(files, files.map((file) => file.original_filename));
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/cloud/files',
      summary: 'Your files (in folder_id, or the root with folder_id=null), searchable by name',
      access: 'user',
      query: z.object({
        folder_id: folderFilter,
        q: z.string().trim().max(200).optional(),
        page: fields.page,
        per_page: fields.perPage(200, 50),
      }),
      responses: { 200: { description: 'One page of files', schema: pageSchema('files', cloudFileView) } },
      example: { query: { folder_id: 7, q: 'invoice' } },
      handler: async ({ user, query }) => {
        const { files, total } = await listCloudFiles(pool, { ownerId: user.id, folderId: query.folder_id, search: query.q, page: query.page, perPage: query.per_page });
        return pageOf('files', files.map(presenter.file), total, query);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/cloud/file/:id',
      summary: 'One file',
      access: 'user',
      params: z.object({ id: fields.id }),
      responses: { 200: { description: 'The file', schema: z.object({ file: cloudFileView }) } },
      example: { params: { id: 42 } },
      handler: async ({ event, user, params }) => {
        const [file] = await present([await ownerOf(event, user, params.id)]);
        return { file: file! };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/cloud/file/:id/versions',
      summary: 'The stored versions of a file, newest first',
      access: 'user',
      params: z.object({ id: fields.id }),
      handler: async ({ event, user, params }) => {
        const file = await ownerOf(event, user, params.id);
        const versions = await listVersions(pool, file.id);
        return { file_id: file.id, current_version: file.version, versions: versions.map(({ storage_key: _key, ...version }) => presenter.version(file, version)) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/cloud/download/:id',
      summary: 'A file’s bytes (?version=N for an older one); with a token or a signed URL',
      access: 'optional',
      params: z.object({ id: fields.id }),
      query: z.object({ version: fields.id.optional(), inline: fields.boolean.optional(), uid: z.string().optional(), exp: z.string().optional(), sig: z.string().optional() }),
      handler: async ({ event, user, params, query }) => {
        const file = await ownerOf(event, user, params.id);
        const versions = await listVersions(pool, file.id);
        const version = versions.find((entry) => entry.version === (query.version ?? file.version));
        if (!version) throw notFound(`Version ${query.version} is not kept (the last ${KEEP_VERSIONS} are)`);
        return blobResponse(event, {
          store,
          key: version.storage_key,
          size: version.size_bytes,
          sha256: version.storage_key,
          modifiedAt: version.created_at,
          fileName: file.name,
          contentType: version.mime_type,
          inline: query.inline ?? false,
        });
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/cloud/file/:id',
      summary: 'Delete a file and its versions; their bytes leave your quota',
      access: 'user',
      params: z.object({ id: fields.id }),
      handler: async ({ user, params }) => {
        const file = await findCloudFile(pool, params.id, user.id);
        if (!file) throw notFound('No such file');
        const removed = await pool.transaction(async (transaction) => {
          const result = await deleteCloudFile(transaction, file.id);
          await addUsage(transaction, user.id, -result.versions.reduce((sum, version) => sum + version.size_bytes, 0));
          return result;
        });
        await removeUnreferencedBlobs(pool, store, cloudBlobs, removed.versions.map((version) => version.storage_key));
        await endShareWorkflows(temporal, config, removed.openLinks);
        return { message: 'File deleted successfully' };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/cloud/file/:id',
      summary: 'Rename a file and/or move it to another of your folders (folder_id null → the root)',
      access: 'user',
      params: z.object({ id: fields.id }),
      body: z
        .object({ name: entryName.optional(), folder_id: fields.id.nullable().optional() })
        .refine((body) => body.name !== undefined || body.folder_id !== undefined, 'send name and/or folder_id'),
      handler: async ({ user, params, body }) => {
        const file = await findCloudFile(pool, params.id, user.id);
        if (!file) throw notFound('No such file');
        if (body.folder_id !== undefined) await folderOrRefuse(user.id, body.folder_id);
        try {
          const updated = await updateCloudFile(pool, file.id, user.id, { name: body.name, folderId: body.folder_id });
          if (!updated) throw notFound('No such file');
          const [shown] = await present([updated]);
          return { message: 'File updated successfully', file: shown! };
        } catch (error) {
          if (error instanceof UniqueIntegrityConstraintViolationError) throw conflict('That folder already has a file with this name', { details: { field: 'name' } });
          throw error;
        }
      },
    }),
    defineRoute({
      method: 'PUT',
      path: '/api/cloud/quota/:user_id',
      summary: 'Set a user’s storage quota (admins)',
      access: 'admin',
      params: z.object({ user_id: fields.id }),
      body: z.object({ quota_bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
      handler: async ({ params, body }) => {
        await setQuota(pool, params.user_id, body.quota_bytes);
        return { message: 'Quota updated', user_id: params.user_id, quota: body.quota_bytes };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/cloud/stats',
      summary: 'Your usage: bytes used and quota, files, folders, by type, bytes in old versions',
      access: 'user',
      responses: { 200: { description: 'Your figures', schema: cloudStatsView } },
      handler: async ({ user }) => {
        const [quota, stats] = await Promise.all([getQuota(pool, user.id, config.CLOUD_DEFAULT_QUOTA), cloudStats(pool, user.id)]);
        return presenter.stats(quota, stats);
      },
    }),
  ];
}
