// The media library: upload (then indexing by workflow), browse and search, edit, delete, download.
// Anything not yours and not public is 404, whichever route.
import { join } from 'node:path';
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
import { type Principal, hasRole } from '../../shared/auth-guard.js';
import { blobResponse } from '../../shared/downloads.js';
import { invalidFields, notFound } from '../../shared/errors.js';
import { pageOf, pageSchema } from '../../shared/pages.js';
import { defineRoute } from '../../shared/route.js';
import { createLocalBlobStore } from '../../../core/blob-store.js';
import { urlSigningSecret } from '../../shared/url-signing-secret.js';
import { receiveUpload, uploadAnswer, uploadAnswerSchema } from '../../shared/uploads.js';
import { fields, parseWith } from '../../shared/validation.js';
import type { MediaAppDeps } from '../app.js';
import { removeUnreferencedBlobs } from '../../../core/blob-cleanup.js';
import { sniffUpload } from '../content-kinds.js';
import { createMediaPresenter, mediaFileView, mediaStatsView } from '../present.js';
import { createMediaWorkflowClient } from '../workflow-client.js';

const TYPE_FILTERS = { images: 'image', videos: 'video', audio: 'audio', documents: 'document' } as const;

const tagList = z
  .string()
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

const uploadFields = z.object({
  description: z.string().max(5000).default(''),
  tags: tagList.default([]),
  is_public: fields.boolean.default(false),
});

export function mediaFileRoutes(deps: MediaAppDeps) {
  const { pool, config } = deps;
  const store = createLocalBlobStore(join(config.STORAGE_ROOT, 'media'));
  const workflows = createMediaWorkflowClient(deps.temporal!, config);
  const presenter = createMediaPresenter(urlSigningSecret(config), deps.guard);
  const present = presenter.file;

  /** The caller by token, or by a signed URL of this file; 404 unless they may see the file. */
  async function visibleTo(event: H3Event, user: Principal | null, id: number) {
    const query = Object.fromEntries(event.url.searchParams);
    const asAdmin = !user && query.as === 'admin';
    const viewer = user ?? { id: presenter.signedViewer(id, asAdmin, query), role: asAdmin ? ('admin' as const) : ('user' as const) };
    const file = await findVisibleMediaFile(pool, id, { id: viewer.id, isAdmin: hasRole(viewer as Principal, 'admin') });
    if (!file) throw notFound('No such file');
    return file;
  }

  const listQuery = z.object({
    page: fields.page,
    per_page: fields.perPage(100, 20),
    type: z.enum(['images', 'videos', 'audio', 'documents']).optional(),
    q: z.string().trim().max(200).optional(),
    tags: tagList.optional(),
    sort: z.enum(['newest', 'oldest', 'name', 'size']).default('newest'),
  });
  const list = (kind?: keyof typeof TYPE_FILTERS) =>
    async ({ query, user }: { query: z.output<typeof listQuery>; user: Principal }) => {
      const filter = kind ?? query.type;
      const { files, total } = await listVisibleMediaFiles(pool, {
        viewerId: user.id,
        kind: filter ? TYPE_FILTERS[filter] : undefined,
        query: query.q || undefined,
        tags: query.tags,
        sort: query.sort,
        page: query.page,
        perPage: query.per_page,
      });
      return pageOf('files', files.map((file) => present(file, user)), total, query);
    };
  const idParams = z.object({ id: fields.id });

  return [
    defineRoute({
      method: 'POST',
      path: '/api/media/upload',
      summary: 'Upload one file (`file`) or several (`files`); each is then indexed by a workflow',
      access: 'user',
      rawBody: true,
      body: z.object({ file: z.any().optional(), files: z.any().optional(), description: z.string().optional(), tags: z.string().optional(), is_public: z.string().optional() }),
      responses: {
        201: {
          description: 'Stored; status "processing" until indexed',
          schema: uploadAnswerSchema(mediaFileView),
        },
        413: { description: 'Too large; nothing kept' },
        415: { description: 'Content not allowed or contradicting its name' },
      },
      example: uploadExample,
      handler: async ({ event, user }) => {
        const upload = await receiveUpload(event, store.scratchDir, { maxFileSize: config.MEDIA_MAX_FILE_SIZE, maxFiles: 10, maxFields: 20 });
        try {
          const incoming = upload.files.filter((file) => file.field === 'file' || file.field === 'files');
          if (!incoming.length) throw invalidFields({ file: ['send a file in "file", or several in "files"'] });
          const parsed = parseWith(uploadFields, upload.fields);
          // Every file is checked before any is kept: one refusal keeps nothing.
          const kinds = await Promise.all(incoming.map((file) => sniffUpload(file.path, file.name)));
          const created: MediaFile[] = [];
          const stored: string[] = [];
          try {
            for (const [index, file] of incoming.entries()) {
              // A hard link, not a copy: the parsed upload already sits on the store's disk.
              const blob = await store.adopt(file.path, file);
              stored.push(blob.key);
              const row = await mediaBlobs.withBlobLock(pool, blob.key, async (connection) => {
                // A deletion may have removed an identical blob between put and lock: store it again.
                if (!(await store.stat(blob.key))) await store.adopt(file.path, file);
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
              created.push(row);
            }
            for (const row of created) await workflows.startIndexing(row);
          } catch (error) {
            // Nothing half-done: rows go, and blobs nobody else references with them.
            for (const row of created) await deleteMediaFile(pool, row.id);
            await removeUnreferencedBlobs(pool, store, mediaBlobs, stored);
            throw error;
          }
          event.res.status = 201;
          const files = created.map((row) => present(row, user));
          return uploadAnswer(files, files.map((file) => file.original_filename), incoming.length);
        } finally {
          await upload.discard();
        }
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/media/files',
      summary: 'Your files and public files; q searches names, descriptions, tags and metadata',
      access: 'user',
      query: listQuery,
      responses: { 200: { description: 'One page of files', schema: fileList } },
      example: { query: { type: 'documents', sort: 'newest', per_page: 10 } },
      handler: list(),
    }),
    defineRoute({ method: 'GET', path: '/api/media/videos', summary: 'Videos you may see', access: 'user', query: listQuery, responses: { 200: { description: 'One page of videos', schema: fileList } }, handler: list('videos') }),
    defineRoute({ method: 'GET', path: '/api/media/music', summary: 'Audio you may see', access: 'user', query: listQuery, responses: { 200: { description: 'One page of audio files', schema: fileList } }, handler: list('audio') }),

    defineRoute({
      method: 'GET',
      path: '/api/media/file/:id',
      summary: 'One file with its status, checksum, metadata and URLs',
      access: 'user',
      params: idParams,
      responses: { 200: { description: 'The file, under file and (as the Flask system answered) at the top level', schema: mediaFileView.extend({ file: mediaFileView }) } },
      example: { params: { id: 42 } },
      handler: async ({ event, user, params }) => {
        const file = present(await visibleTo(event, user, params.id), user);
        return { ...file, file };
      },
    }),

    defineRoute({
      method: 'PUT',
      path: '/api/media/file/:id',
      summary: 'Change description, tags or visibility (owner only)',
      access: 'user',
      params: idParams,
      body: z.object({ description: z.string().max(5000).optional(), tags: z.union([tagList, z.array(z.string().max(50)).max(20)]).optional(), is_public: z.boolean().optional() }),
      handler: async ({ user, params, body }) => {
        const tags = body.tags?.map((tag) => tag.trim().toLowerCase()).filter(Boolean);
        const file = await updateMediaFile(pool, params.id, user.id, { description: body.description, tags, isPublic: body.is_public });
        if (!file) throw notFound('No such file of yours');
        return { message: 'File updated successfully', file: present(file, user) };
      },
    }),

    defineRoute({
      method: 'DELETE',
      path: '/api/media/file/:id',
      summary: 'Delete a file (owner or admin); its blob goes when its last reference does',
      access: 'user',
      params: idParams,
      handler: async ({ user, params }) => {
        const file = await findVisibleMediaFile(pool, params.id, { id: user.id, isAdmin: hasRole(user, 'admin') });
        if (!file || (file.owner_id !== user.id && !hasRole(user, 'admin'))) throw notFound('No such file of yours');
        await pool.transaction(async (transaction) => {
          const removed = await deleteMediaFile(transaction, params.id);
          if (removed) await workflows.removeBlobs(params.id, [removed.storage_key, ...(removed.thumbnail_key ? [removed.thumbnail_key] : [])]);
        });
        return { message: 'File deleted successfully' };
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/media/download/:id',
      summary: 'The file’s bytes (Range, ETag, 304); with a token or a signed URL; ?inline=1 for players',
      access: 'optional',
      params: idParams,
      query: z.object({ inline: fields.boolean.optional(), as: signedAs, uid: z.string().optional(), exp: z.string().optional(), sig: z.string().optional() }),
      handler: async ({ event, user, params, query }) => {
        const file = await visibleTo(event, user, params.id);
        return blobResponse(event, {
          store,
          key: file.storage_key,
          size: file.size_bytes,
          sha256: file.storage_key,
          modifiedAt: file.created_at,
          fileName: file.original_name,
          contentType: file.mime_type,
          inline: query.inline ?? false,
        });
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/media/thumbnail/:id',
      summary: 'The 320 px thumbnail, once indexing made one',
      access: 'optional',
      params: idParams,
      query: z.object({ as: signedAs, uid: z.string().optional(), exp: z.string().optional(), sig: z.string().optional() }),
      handler: async ({ event, user, params }) => {
        const file = await visibleTo(event, user, params.id);
        if (!file.thumbnail_key) throw notFound('This file has no thumbnail (yet)');
        const info = await store.stat(file.thumbnail_key);
        if (!info) throw notFound('This file has no thumbnail (yet)');
        return blobResponse(event, { store, key: file.thumbnail_key, size: info.size, sha256: file.thumbnail_key, modifiedAt: info.modifiedAt, fileName: `${file.id}.webp`, contentType: 'image/webp', inline: true });
      },
    }),

    defineRoute({
      method: 'GET',
      path: '/api/media/stats',
      summary: 'Counts and bytes by type: yours (admins: everyone’s)',
      access: 'user',
      responses: { 200: { description: 'Files and bytes in all and per category', schema: mediaStatsView } },
      handler: async ({ user }) => presenter.stats(await mediaStats(pool, hasRole(user, 'admin') ? null : user.id)),
    }),
  ];
}
