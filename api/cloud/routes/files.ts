// Files in the drive. An upload reserves its bytes against the quota before anything is written
// (the request's declared length), then settles to the real sizes; concurrent uploads cannot
// overshoot. The same name in the same folder makes a new version; the last 10 are kept.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { H3Event } from 'h3';
import { z } from 'zod';
import {
  type CloudFile,
  cloudStats,
  deleteCloudFile,
  findCloudFile,
  getQuota,
  isCloudBlobReferenced,
  listCloudFiles,
  listVersions,
  reserveQuota,
  setQuota,
  settleQuota,
  storeUpload,
} from '../../../db/cloud/files.js';
import { findFolder } from '../../../db/cloud/folders.js';
import type { Principal } from '../../shared/auth-guard.js';
import { blobResponse } from '../../shared/downloads.js';
import { ApiError, invalidFields, notFound } from '../../shared/errors.js';
import { defineRoute } from '../../shared/route.js';
import { signUrl, verifySignedUrl } from '../../shared/signed-urls.js';
import { createLocalBlobStore, type StoredBlob } from '../../shared/storage.js';
import { receiveUpload } from '../../shared/uploads.js';
import { fields } from '../../shared/validation.js';
import type { CloudAppDeps } from '../app.js';
import { entryName } from './folders.js';

const KEEP_VERSIONS = 10;

export function fileRoutes(deps: CloudAppDeps) {
  const { pool, config } = deps;
  const store = createLocalBlobStore(join(config.STORAGE_ROOT, 'cloud'));
  const secret = config.URL_SIGNING_SECRET;

  const present = (file: CloudFile) => {
    const { storage_key: _key, size_bytes: size, ...rest } = file;
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    return { ...rest, size, download_url: signUrl(secret, `/api/cloud/download/${file.id}`, { resource: `cloud-file:${file.id}`, userId: file.owner_id, expiresAt }) };
  };

  const removeIfUnreferenced = async (keys: string[]) => {
    for (const key of new Set(keys)) if (!(await isCloudBlobReferenced(pool, key))) await store.delete(key);
  };

  async function ownerOf(event: H3Event, user: Principal | null, id: number) {
    const ownerId = user?.id ?? verifySignedUrl(secret, `cloud-file:${id}`, Object.fromEntries(event.url.searchParams));
    const file = await findCloudFile(pool, id, ownerId);
    if (!file) throw notFound('No such file');
    return file;
  }

  return [
    defineRoute({
      method: 'POST',
      path: '/api/cloud/upload',
      summary: 'Upload one file (`file`) or several (`files`) into folder_id; an existing name becomes a new version',
      access: 'user',
      rawBody: true,
      body: z.object({ file: z.any().optional(), files: z.any().optional(), folder_id: z.string().optional() }),
      responses: { 201: { description: 'Stored' }, 413: { description: 'Too large, or over quota (error quota_exceeded with used and quota); nothing kept' } },
      handler: async ({ event, user }) => {
        const declared = Number(event.req.headers.get('content-length'));
        if (!Number.isSafeInteger(declared) || declared <= 0) throw new ApiError(411, 'length_required', 'Send the upload with a Content-Length');
        const reservation = await reserveQuota(pool, user.id, declared, config.CLOUD_DEFAULT_QUOTA);
        if (!reservation.ok) {
          throw new ApiError(413, 'quota_exceeded', 'This upload does not fit in your storage quota; nothing was kept', {
            extra: { used: reservation.used, quota: reservation.quota },
          });
        }
        let used = 0;
        const written: string[] = [];
        const stored: CloudFile[] = [];
        let upload: Awaited<ReturnType<typeof receiveUpload>> | undefined;
        try {
          upload = await receiveUpload(event, store.scratchDir, { maxFileSize: config.CLOUD_MAX_FILE_SIZE, maxFiles: 20, maxFields: 10 });
          const incoming = upload.files.filter((file) => file.field === 'file' || file.field === 'files');
          if (!incoming.length) throw invalidFields({ file: ['send a file in "file", or several in "files"'] });
          const folderField = upload.fields.folder_id?.trim();
          const folderId = folderField && folderField !== 'null' ? Number(folderField) : null;
          if (folderId !== null && (!Number.isSafeInteger(folderId) || !(await findFolder(pool, folderId, user.id)))) {
            throw invalidFields({ folder_id: ['no such folder of yours'] });
          }
          for (const file of incoming) {
            if (!entryName.safeParse(file.name).success) throw invalidFields({ file: [`${file.name}: not a usable file name`] });
          }
          const blobs: Array<{ file: (typeof incoming)[number]; blob: StoredBlob }> = [];
          for (const file of incoming) {
            const blob = await store.put(createReadStream(file.path));
            written.push(blob.key);
            blobs.push({ file, blob });
          }
          await pool.transaction(async (transaction) => {
            for (const { file, blob } of blobs) {
              const result = await storeUpload(transaction, {
                ownerId: user.id,
                folderId,
                name: file.name,
                mimeType: file.clientMimeType ?? 'application/octet-stream',
                size: blob.size,
                storageKey: blob.key,
                keep: KEEP_VERSIONS,
              });
              used += blob.size - result.dropped.reduce((sum, version) => sum + version.size_bytes, 0);
              written.push(...result.dropped.map((version) => version.storage_key));
              stored.push(result.file);
            }
            await settleQuota(transaction, user.id, declared, used);
          });
          await removeIfUnreferenced(written.filter((key) => !stored.some((file) => file.storage_key === key)));
          event.res.status = 201;
          const files = stored.map(present);
          return { message: `${files.length} file${files.length === 1 ? '' : 's'} uploaded successfully`, files, uploaded_files: files.map((file) => file.name), success_count: files.length, total_count: incoming.length };
        } catch (error) {
          if (!stored.length) {
            await settleQuota(pool, user.id, declared, 0);
            await removeIfUnreferenced(written);
          }
          throw error;
        } finally {
          await upload?.discard();
        }
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/cloud/files',
      summary: 'Your files (in folder_id, or the root with folder_id=null), searchable by name',
      access: 'user',
      query: z.object({
        folder_id: z.union([z.literal('null'), fields.id]).optional().transform((value) => (value === 'null' ? null : value)),
        q: z.string().trim().max(200).optional(),
        page: fields.page,
        per_page: fields.perPage(200, 50),
      }),
      handler: async ({ user, query }) => {
        const { files, total } = await listCloudFiles(pool, { ownerId: user.id, folderId: query.folder_id, search: query.q, page: query.page, perPage: query.per_page });
        return { files: files.map(present), total, page: query.page, per_page: query.per_page };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/cloud/file/:id',
      summary: 'One file',
      access: 'user',
      params: z.object({ id: fields.id }),
      handler: async ({ event, user, params }) => ({ file: present(await ownerOf(event, user, params.id)) }),
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
        return { file_id: file.id, current_version: file.version, versions: versions.map(({ storage_key: _key, ...version }) => version) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/cloud/download/:id',
      summary: 'A file’s bytes (?version=N for an older one); with a token or a signed URL',
      access: 'optional',
      params: z.object({ id: fields.id }),
      query: z.object({ version: z.coerce.number().int().min(1).optional(), inline: fields.boolean.optional(), uid: z.string().optional(), exp: z.string().optional(), sig: z.string().optional() }),
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
        const versions = await listVersions(pool, file.id);
        await pool.transaction(async (transaction) => {
          await deleteCloudFile(transaction, file.id);
          await settleQuota(transaction, user.id, 0, -versions.reduce((sum, version) => sum + version.size_bytes, 0));
        });
        await removeIfUnreferenced(versions.map((version) => version.storage_key));
        return { message: 'File deleted successfully' };
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
      handler: async ({ user }) => {
        const [quota, stats] = await Promise.all([getQuota(pool, user.id, config.CLOUD_DEFAULT_QUOTA), cloudStats(pool, user.id)]);
        return { used: quota.used_bytes, quota: quota.quota_bytes, ...stats };
      },
    }),
  ];
}
