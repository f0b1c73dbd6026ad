// The media library: upload (then indexing by workflow), browse and search, edit, delete, download.
// Anything not yours and not public is 404, whichever route.
import type { H3Event } from 'h3';
import { z } from 'zod';
import {
  deleteMediaFile,
  findVisibleMediaFile,
  insertMediaFile,
  listVisibleMediaFiles,
  type MediaFile,
  mediaStats,
  updateMediaFile,
} from '../../../db/media/files.js';
import * as mediaBlobs from '../../../db/media/blobs.js';
import type { Principal } from '../../../core/auth/access-tokens.js';
import { hasRole } from '../../shared/auth-guard.js';
import { blobResponse } from '../../shared/downloads.js';
import { notFound } from '../../shared/errors.js';
import { pageOf, pageSchema } from '../../shared/pages.js';
import { defineRoute } from '../../shared/route.js';
import { receiveIntoStore, uploadAnswer, uploadAnswerSchema } from '../../shared/uploads.js';
import { fields, parseWith } from '../../shared/validation.js';
import { sniffUpload } from '../content-kinds.js';
import { mediaFileView, mediaStatsView } from '../present.js';
import type { MediaContext, MediaServices } from '../services.js';

const TYPE_FILTERS = { images: 'image', videos: 'video', audio: 'audio', documents: 'document' } as const;

const tagList = z
  .string()
  .normalize('NFC')
  .max(1000)
  .transform((value) => [...new Set(value.split(',').map((tag) => tag.trim().toLowerCase()).filter(Boolean))])
  .refine((tags) => tags.length <= 20 && tags.every((tag) => tag.length <= 50), 'at most 20 tags of 50 characters');
const fileList = pageSchema('files', mediaFileView);
const uploadExample = {
  files: { file: { name: 'visit-notes.txt', type: 'text/plain', content: 'Upper left molar: small filling, no pain afterwards.\n' } },
  body: { description: 'Notes from the May visit', tags: 'notes, molar', is_public: 'false' },
};

/** Part of a signed URL made for an admin (the signature covers it). */
const signedAs = z.literal('admin').optional().describe('Set by signed URLs made for an admin');

const uploadForm = z.object({ file: z.any().optional(), files: z.any().optional(), description: z.string().optional(), tags: z.string().optional(), is_public: z.string().optional() });
const uploadFields = z.object({
  description: z.string().max(5000).default(''),
  tags: tagList.default([]),
  is_public: fields.boolean.default(false),
});
const listQuery = z.object({
  page: fields.page,
  per_page: fields.perPage(100, 20),
  type: z.enum(['images', 'videos', 'audio', 'documents']).optional(),
  q: fields.search.optional(),
  tags: tagList.optional(),
  sort: z.enum(['newest', 'oldest', 'name', 'size']).default('newest'),
});
const fileId = z.object({ id: fields.id });
const fileChanges = z.object({ description: z.string().max(5000).optional(), tags: z.union([tagList, z.array(z.string().normalize('NFC').max(50)).max(20)]).optional(), is_public: z.boolean().optional() });
const downloadQuery = z.object({ inline: fields.boolean.optional(), as: signedAs, uid: z.string().optional(), exp: z.string().optional(), sig: z.string().optional() });
const thumbnailQuery = z.object({ as: signedAs, uid: z.string().optional(), exp: z.string().optional(), sig: z.string().optional() });

/** The caller by token, or by a signed URL of this file; 404 unless they may see the file. */
async function visibleTo({ pool, presenter }: MediaServices, event: H3Event, user: Principal | null, id: number) {
  const query = Object.fromEntries(event.url.searchParams);
  const asAdmin = !user && query.as === 'admin';
  const viewer = user ?? { id: presenter.signedViewer(id, asAdmin, query), role: asAdmin ? ('admin' as const) : ('user' as const) };
  const file = await findVisibleMediaFile(pool, id, { id: viewer.id, isAdmin: hasRole(viewer as Principal, 'admin') });
  if (!file) throw notFound('No such file');
  return file;
}

async function uploadMedia({ services, event, user }: MediaContext<{ access: 'user'; body: typeof uploadForm }>) {
  const { pool, config, store, workflows, presenter } = services;
  const limits = { maxFileSize: config.MEDIA_MAX_FILE_SIZE, maxFiles: 10, maxFields: 20 };
  const { created, sent } = await receiveIntoStore(event, { pool, store, references: mediaBlobs }, limits, async ({ files, fields: form, link, relinkIfRemoved }) => {
    const parsed = parseWith(uploadFields, form);
    // Every file is checked before any is kept: one refusal keeps nothing.
    const kinds = await Promise.all(files.map((file) => sniffUpload(file.path, file.name)));
    const rows: MediaFile[] = [];
    try {
      for (const [index, file] of files.entries()) {
        const blob = await link(file);
        const row = await mediaBlobs.withBlobLock(pool, blob.key, async (connection) => {
          await relinkIfRemoved(file, blob.key);
          return insertMediaFile(connection, {
            ownerId: user.id,
            name: file.name,
            storageKey: blob.key,
            kind: kinds[index]!.kind,
            mimeType: kinds[index]!.mimeType,
            size: blob.size,
            description: parsed.description,
            tags: parsed.tags,
            isPublic: parsed.is_public,
          });
        });
        rows.push(row);
      }
      for (const row of rows) await workflows.startIndexing(row);
    } catch (error) {
      // Nothing half-done: the rows go (then their blobs, unless another file uses the same bytes).
      for (const row of rows) await deleteMediaFile(pool, row.id);
      throw error;
    }
    return { created: rows, sent: files.length };
  });
  event.res.status = 201;
  const files = created.map((row) => presenter.file(row, user));
  return uploadAnswer(files, files.map((file) => file.original_filename), sent);
}

/** One page of what the caller may see, of one kind (the route's, else `type` in the query). */
async function listPage({ pool, presenter }: MediaServices, user: Principal, query: z.output<typeof listQuery>, kind = query.type) {
  const { files, total } = await listVisibleMediaFiles(pool, {
    viewerId: user.id,
    kind: kind ? TYPE_FILTERS[kind] : undefined,
    query: query.q || undefined,
    tags: query.tags,
    sort: query.sort,
    page: query.page,
    perPage: query.per_page,
  });
  return pageOf('files', files.map((file) => presenter.file(file, user)), total, query);
}

type ListContext = MediaContext<{ access: 'user'; query: typeof listQuery }>;
const listFiles = ({ services, user, query }: ListContext) => listPage(services, user, query);
const listVideos = ({ services, user, query }: ListContext) => listPage(services, user, query, 'videos');
const listMusic = ({ services, user, query }: ListContext) => listPage(services, user, query, 'audio');

async function showFile({ services, event, user, params }: MediaContext<{ access: 'user'; params: typeof fileId }>) {
  const file = services.presenter.file(await visibleTo(services, event, user, params.id), user);
  return { ...file, file };
}

async function updateFile({ services, user, params, body }: MediaContext<{ access: 'user'; params: typeof fileId; body: typeof fileChanges }>) {
  const tags = body.tags?.map((tag) => tag.trim().toLowerCase()).filter(Boolean);
  const file = await updateMediaFile(services.pool, params.id, user.id, { description: body.description, tags, isPublic: body.is_public });
  if (!file) throw notFound('No such file of yours');
  return { message: 'File updated successfully', file: services.presenter.file(file, user) };
}

async function deleteFile({ services: { pool, workflows }, user, params }: MediaContext<{ access: 'user'; params: typeof fileId }>) {
  const file = await findVisibleMediaFile(pool, params.id, { id: user.id, isAdmin: hasRole(user, 'admin') });
  if (!file || (file.owner_id !== user.id && !hasRole(user, 'admin'))) throw notFound('No such file of yours');
  await pool.transaction(async (transaction) => {
    const removed = await deleteMediaFile(transaction, params.id);
    if (removed) await workflows.removeBlobs(params.id, [removed.storage_key, ...(removed.thumbnail_key ? [removed.thumbnail_key] : [])]);
  });
  return { message: 'File deleted successfully' };
}

async function downloadFile({ services, event, user, params, query }: MediaContext<{ access: 'optional'; params: typeof fileId; query: typeof downloadQuery }>) {
  const file = await visibleTo(services, event, user, params.id);
  return blobResponse(event, {
    store: services.store,
    key: file.storage_key,
    size: file.size_bytes,
    sha256: file.storage_key,
    modifiedAt: file.created_at,
    fileName: file.original_name,
    contentType: file.mime_type,
    inline: query.inline ?? false,
  });
}

async function downloadThumbnail({ services, event, user, params }: MediaContext<{ access: 'optional'; params: typeof fileId; query: typeof thumbnailQuery }>) {
  const { store } = services;
  const file = await visibleTo(services, event, user, params.id);
  if (!file.thumbnail_key) throw notFound('This file has no thumbnail (yet)');
  const info = await store.stat(file.thumbnail_key);
  if (!info) throw notFound('This file has no thumbnail (yet)');
  return blobResponse(event, { store, key: file.thumbnail_key, size: info.size, sha256: file.thumbnail_key, modifiedAt: info.modifiedAt, fileName: `${file.id}.webp`, contentType: 'image/webp', inline: true });
}

async function showStats({ services: { pool, presenter }, user }: MediaContext<{ access: 'user' }>) {
  return presenter.stats(await mediaStats(pool, hasRole(user, 'admin') ? null : user.id));
}

export const mediaFileRoutes = [
  defineRoute({
    method: 'POST',
    path: '/api/media/upload',
    summary: 'Upload one file (`file`) or several (`files`); each is then indexed by a workflow',
    access: 'user',
    rawBody: true,
    body: uploadForm,
    responses: {
      201: {
        description: 'Stored; status "processing" until indexed',
        schema: uploadAnswerSchema(mediaFileView),
      },
      413: { description: 'Too large; nothing kept' },
      415: { description: 'Content not allowed or contradicting its name' },
    },
    example: uploadExample,
    handler: uploadMedia,
  }),

  defineRoute({
    method: 'GET',
    path: '/api/media/files',
    summary: 'Your files and public files; q searches names, descriptions, tags and metadata',
    access: 'user',
    query: listQuery,
    responses: { 200: { description: 'One page of files', schema: fileList } },
    example: { query: { type: 'documents', sort: 'newest', per_page: 10 } },
    handler: listFiles,
  }),
  defineRoute({ method: 'GET', path: '/api/media/videos', summary: 'Videos you may see', access: 'user', query: listQuery, responses: { 200: { description: 'One page of videos', schema: fileList } }, handler: listVideos }),
  defineRoute({ method: 'GET', path: '/api/media/music', summary: 'Audio you may see', access: 'user', query: listQuery, responses: { 200: { description: 'One page of audio files', schema: fileList } }, handler: listMusic }),

  defineRoute({
    method: 'GET',
    path: '/api/media/file/:id',
    summary: 'One file with its status, checksum, metadata and URLs',
    access: 'user',
    params: fileId,
    responses: { 200: { description: 'The file, under file and (as the Flask system answered) at the top level', schema: mediaFileView.extend({ file: mediaFileView }) } },
    example: { params: { id: 42 } },
    handler: showFile,
  }),
  defineRoute({ method: 'PUT', path: '/api/media/file/:id', summary: 'Change description, tags or visibility (owner only)', access: 'user', params: fileId, body: fileChanges, handler: updateFile }),
  defineRoute({ method: 'DELETE', path: '/api/media/file/:id', summary: 'Delete a file (owner or admin); its blob goes when its last reference does', access: 'user', params: fileId, handler: deleteFile }),

  defineRoute({
    method: 'GET',
    path: '/api/media/download/:id',
    summary: 'The file’s bytes (Range, ETag, 304); with a token or a signed URL; ?inline=1 for players',
    access: 'optional',
    params: fileId,
    query: downloadQuery,
    handler: downloadFile,
  }),
  defineRoute({ method: 'GET', path: '/api/media/thumbnail/:id', summary: 'The 320 px thumbnail, once indexing made one', access: 'optional', params: fileId, query: thumbnailQuery, handler: downloadThumbnail }),

  defineRoute({
    method: 'GET',
    path: '/api/media/stats',
    summary: 'Counts and bytes by type: yours (admins: everyone’s)',
    access: 'user',
    responses: { 200: { description: 'Files and bytes in all and per category', schema: mediaStatsView } },
    handler: showStats,
  }),
];
