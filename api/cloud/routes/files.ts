// Files in the drive: browse, read, download (any kept version), rename, move, delete; quotas and
// usage. Uploads are in upload.ts.
import type { H3Event } from 'h3';
import type { DatabasePool } from 'slonik';
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
  setQuota,
  shareStates,
  updateCloudFile,
} from '../../../db/cloud/files.js';
import { findFolder } from '../../../db/cloud/folders.js';
import { removeUnreferencedBlobs } from '../../../core/blob-cleanup.js';
import type { Principal } from '../../../core/auth/access-tokens.js';
import { blobResponse } from '../../shared/downloads.js';
import { invalidFields, notFound, unauthorized, unlessDuplicate } from '../../shared/errors.js';
import { pageOf, pageSchema } from '../../shared/pages.js';
import { defineRoute } from '../../shared/route.js';
import { fields } from '../../shared/validation.js';
import { cloudFileView, cloudStatsView } from '../present.js';
import type { CloudContext, CloudServices } from '../services.js';
import { entryName, folderOrRoot } from './folders.js';

/** Versions kept per file; an upload past this drops the oldest, whose bytes leave the quota. */
export const KEEP_VERSIONS = 10;

const fileListQuery = z.object({
  /** Absent: files anywhere. */
  folder_id: folderOrRoot,
  q: fields.search.optional(),
  page: fields.page,
  per_page: fields.perPage(200, 50),
});
const fileId = z.object({ id: fields.id });
const downloadQuery = z.object({ version: fields.id.optional(), inline: fields.boolean.optional(), uid: z.string().optional(), exp: z.string().optional(), sig: z.string().optional() });
const fileChange = z
  .object({ name: entryName.optional(), folder_id: fields.id.nullable().optional() })
  .refine((body) => body.name !== undefined || body.folder_id !== undefined, 'send name and/or folder_id');
const quotaUser = z.object({ user_id: fields.id });
const quotaChange = z.object({ quota_bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });

/** Files as answers show them, their share state read in one statement. */
export async function presentFiles({ pool, presenter }: CloudServices, files: readonly CloudFile[]) {
  const shares = await shareStates(pool, files.map((file) => file.id));
  // A file deleted since it was read has no state left: it is no longer shared either.
  return files.map((file) => presenter.file({ ...file, ...(shares.get(file.id) ?? { is_shared: false, share_token_seed: null, share_token_hash: null }) }));
}

/** A request's folder_id: 422 unless it is the root (null) or a folder of the caller's. */
export async function folderOrRefuse(pool: DatabasePool, ownerId: number, folderId: number | null) {
  if (folderId !== null && !(await findFolder(pool, folderId, ownerId))) throw invalidFields({ folder_id: ['no such folder of yours'] });
}

/** The caller's file, found by token or by a signed URL for it; 404 for anything not theirs. */
async function ownerOf({ pool, presenter }: CloudServices, event: H3Event, user: Principal | null, id: number) {
  const query = Object.fromEntries(event.url.searchParams);
  if (!user && !query.sig) throw unauthorized('Send a token, or use the signed download_url of the file');
  const ownerId = user?.id ?? presenter.signedOwner(id, query);
  const file = await findCloudFile(pool, id, ownerId);
  if (!file) throw notFound('No such file');
  return file;
}

async function listFiles({ services: { pool, presenter }, user, query }: CloudContext<{ access: 'user'; query: typeof fileListQuery }>) {
  const { files, total } = await listCloudFiles(pool, { ownerId: user.id, folderId: query.folder_id, search: query.q, page: query.page, perPage: query.per_page });
  return pageOf('files', files.map(presenter.file), total, query);
}

async function showFile({ services, event, user, params }: CloudContext<{ access: 'user'; params: typeof fileId }>) {
  const [file] = await presentFiles(services, [await ownerOf(services, event, user, params.id)]);
  return { file: file! };
}

async function listFileVersions({ services, event, user, params }: CloudContext<{ access: 'user'; params: typeof fileId }>) {
  const file = await ownerOf(services, event, user, params.id);
  const versions = await listVersions(services.pool, file.id);
  return { file_id: file.id, current_version: file.version, versions: versions.map(({ storage_key: _key, ...version }) => services.presenter.version(file, version)) };
}

async function downloadFile({ services, event, user, params, query }: CloudContext<{ access: 'optional'; params: typeof fileId; query: typeof downloadQuery }>) {
  const file = await ownerOf(services, event, user, params.id);
  const versions = await listVersions(services.pool, file.id);
  const version = versions.find((entry) => entry.version === (query.version ?? file.version));
  if (!version) throw notFound(`Version ${query.version} is not kept (the last ${KEEP_VERSIONS} are)`);
  return blobResponse(event, {
    store: services.store,
    key: version.storage_key,
    size: version.size_bytes,
    sha256: version.storage_key,
    modifiedAt: version.created_at,
    fileName: file.name,
    contentType: version.mime_type,
    inline: query.inline ?? false,
  });
}

async function deleteFile({ services: { pool, store, workflows }, user, params }: CloudContext<{ access: 'user'; params: typeof fileId }>) {
  const file = await findCloudFile(pool, params.id, user.id);
  if (!file) throw notFound('No such file');
  const removed = await pool.transaction(async (transaction) => {
    const result = await deleteCloudFile(transaction, file.id);
    await addUsage(transaction, user.id, -result.versions.reduce((sum, version) => sum + version.size_bytes, 0));
    return result;
  });
  await removeUnreferencedBlobs(pool, store, cloudBlobs, removed.versions.map((version) => version.storage_key));
  await workflows.endShareLinks(removed.openLinks);
  return { message: 'File deleted successfully' };
}

async function changeFile({ services, user, params, body }: CloudContext<{ access: 'user'; params: typeof fileId; body: typeof fileChange }>) {
  const { pool } = services;
  const file = await findCloudFile(pool, params.id, user.id);
  if (!file) throw notFound('No such file');
  if (body.folder_id !== undefined) await folderOrRefuse(pool, user.id, body.folder_id);
  const change = updateCloudFile(pool, file.id, user.id, { name: body.name, folderId: body.folder_id });
  const updated = await unlessDuplicate(change, 'That folder already has a file with this name', { field: 'name' });
  if (!updated) throw notFound('No such file');
  const [shown] = await presentFiles(services, [updated]);
  return { message: 'File updated successfully', file: shown! };
}

async function changeQuota({ services, params, body }: CloudContext<{ access: 'admin'; params: typeof quotaUser; body: typeof quotaChange }>) {
  await setQuota(services.pool, params.user_id, body.quota_bytes);
  return { message: 'Quota updated', user_id: params.user_id, quota: body.quota_bytes };
}

async function showStats({ services: { pool, config, presenter }, user }: CloudContext<{ access: 'user' }>) {
  const [quota, stats] = await Promise.all([getQuota(pool, user.id, config.CLOUD_DEFAULT_QUOTA), cloudStats(pool, user.id)]);
  return presenter.stats(quota, stats);
}

export const fileRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/cloud/files',
    summary: 'Your files (in folder_id, or the root with folder_id=null), searchable by name',
    access: 'user',
    query: fileListQuery,
    responses: { 200: { description: 'One page of files', schema: pageSchema('files', cloudFileView) } },
    example: { query: { folder_id: 7, q: 'invoice' } },
    handler: listFiles,
  }),
  defineRoute({
    method: 'GET',
    path: '/api/cloud/file/:id',
    summary: 'One file',
    access: 'user',
    params: fileId,
    responses: { 200: { description: 'The file', schema: z.object({ file: cloudFileView }) } },
    example: { params: { id: 42 } },
    handler: showFile,
  }),
  defineRoute({ method: 'GET', path: '/api/cloud/file/:id/versions', summary: 'The stored versions of a file, newest first', access: 'user', params: fileId, handler: listFileVersions }),
  defineRoute({
    method: 'GET',
    path: '/api/cloud/download/:id',
    summary: 'A file’s bytes (?version=N for an older one); with a token or a signed URL',
    access: 'optional',
    params: fileId,
    query: downloadQuery,
    handler: downloadFile,
  }),
  defineRoute({ method: 'DELETE', path: '/api/cloud/file/:id', summary: 'Delete a file and its versions; their bytes leave your quota', access: 'user', params: fileId, handler: deleteFile }),
  defineRoute({
    method: 'PATCH',
    path: '/api/cloud/file/:id',
    summary: 'Rename a file and/or move it to another of your folders (folder_id null → the root)',
    access: 'user',
    params: fileId,
    body: fileChange,
    handler: changeFile,
  }),
  defineRoute({ method: 'PUT', path: '/api/cloud/quota/:user_id', summary: 'Set a user’s storage quota (admins)', access: 'admin', params: quotaUser, body: quotaChange, handler: changeQuota }),
  defineRoute({
    method: 'GET',
    path: '/api/cloud/stats',
    summary: 'Your usage: bytes used and quota, files, folders, by type, bytes in old versions',
    access: 'user',
    responses: { 200: { description: 'Your figures', schema: cloudStatsView } },
    handler: showStats,
  }),
];
