// The one place media rows become public JSON. Answers carry Qhitz's own keys and, beside them, the
// keys the Flask system's clients read (FLASK_CONTRACT.md): `original_filename`, `file_size`,
// `uploaded_at`, `uploaded_by`, a plural `file_type`, and stats under `stats_by_type`.
import { z } from 'zod';
import type { Principal } from '../../core/auth/access-tokens.js';
import { MEDIA_KINDS, type MediaFile, type MediaKind, mediaRow } from '../../db/media/files.js';
import { hasRole } from '../shared/auth-guard.js';
import { extensionOf, megabytes, storedName } from '../shared/flask-file-fields.js';
import { createUrlSigner, type EndedUserCheck } from '../shared/signed-urls.js';
import { indexWorkflowId } from './workflow-client.js';

/** The categories as clients name them: the words of the `type=` filter and of Flask's `file_type`. */
const categoryNames = ['images', 'videos', 'audio', 'documents'] as const;
export type MediaCategory = (typeof categoryNames)[number];
export const MEDIA_CATEGORIES = { image: 'images', video: 'videos', audio: 'audio', document: 'documents' } as const satisfies Record<MediaKind, MediaCategory>;

/** A file as the API shows it: the row without storage keys, with signed URLs that need no token. */
export const mediaFileView = mediaRow
  .omit({ storage_key: true, thumbnail_key: true, size_bytes: true })
  .extend({
    file_type: z.enum(categoryNames).describe('images, videos, audio or documents (the words of the type= filter)'),
    filename: z.string().describe('Stored name: <id>.<extension>, stable for the file'),
    original_filename: z.string().describe('The name it was uploaded with (the same as original_name)'),
    file_extension: z.string().describe('Of the original name, lower case without the dot; "" when none'),
    size: z.number(),
    file_size: z.number().describe('Bytes (the same as size)'),
    uploaded_at: z.string().describe('The same as created_at'),
    uploaded_by: z.number().describe('The owner’s user id (the same as owner_id)'),
    workflow_id: z.string().describe('The indexing workflow, media-index-<id>'),
    download_url: z.string().describe('Signed, valid for an hour; works without a token'),
    stream_url: z.string().describe('download_url for players (inline)'),
    thumbnail_url: z.string().nullable().describe('Signed; null until indexing made a thumbnail'),
  })
  .meta({ id: 'MediaFile' });

const categoryStats = z.object({ count: z.number(), size: z.number().describe('Bytes'), size_mb: z.number() });
const kindStats = z.object({ files: z.number(), bytes: z.number() });

export const mediaStatsView = z.object({
  total_files: z.number(),
  total_size: z.number().describe('Bytes'),
  total_size_mb: z.number(),
  stats_by_type: z.object(Object.fromEntries(categoryNames.map((name) => [name, categoryStats])) as Record<MediaCategory, typeof categoryStats>),
  total_bytes: z.number().describe('The same as total_size'),
  by_type: z.object(Object.fromEntries(MEDIA_KINDS.map((kind) => [kind, kindStats])) as Record<MediaKind, typeof kindStats>).describe('The same figures by singular kind'),
});

/** Files and stats as the API shows them, and the check of the signed URLs it hands out. */
export function createMediaPresenter(secret: string, endedUsers: EndedUserCheck) {
  // One grant per file and viewer ("HMAC over file id, user and expiry") opens its bytes and its thumbnail.
  // An admin's grant says so (and `as=admin` in the URL), since admins may open others' private files;
  // the signature covers it, so nobody else can claim it. Its signer also refuses it once the admin is
  // demoted.
  const grant = (id: number, asAdmin: boolean) => `media-file:${id}${asAdmin ? ':admin' : ''}`;
  const signers = { user: createUrlSigner(secret, { endedUsers }), admin: createUrlSigner(secret, { endedUsers, role: 'admin' }) };
  const signerFor = (asAdmin: boolean) => signers[asAdmin ? 'admin' : 'user'];

  return {
    /** The user a signed URL of this file was made for; 403 when it is not valid. */
    signedViewer: (id: number, asAdmin: boolean, query: Record<string, string>) => signerFor(asAdmin).verify(grant(id, asAdmin), query),

    file(file: MediaFile, viewer: Principal): z.output<typeof mediaFileView> {
      const asAdmin = hasRole(viewer, 'admin') && file.owner_id !== viewer.id;
      const sign = (path: string) => signerFor(asAdmin).sign(asAdmin ? `${path}?as=admin` : path, grant(file.id, asAdmin), viewer.id);
      const download = sign(`/api/media/download/${file.id}`);
      const { storage_key: _key, thumbnail_key: thumbnailKey, size_bytes: size, original_name: name, file_type: kind, ...rest } = file;
      return {
        ...rest,
        file_type: MEDIA_CATEGORIES[kind],
        filename: storedName(file.id, name),
        original_name: name,
        original_filename: name,
        file_extension: extensionOf(name),
        size,
        file_size: size,
        uploaded_at: file.created_at,
        uploaded_by: file.owner_id,
        workflow_id: indexWorkflowId(file.id),
        download_url: download,
        stream_url: `${download}&inline=1`,
        thumbnail_url: thumbnailKey ? sign(`/api/media/thumbnail/${file.id}`) : null,
      };
    },

    /** Counts and bytes per kind (kinds without files may be absent) as totals and per category. */
    stats(rows: ReadonlyArray<{ file_type: string; files: number; bytes: number }>): z.output<typeof mediaStatsView> {
      const byKind = new Map(rows.map((row) => [row.file_type, row]));
      const of = (kind: MediaKind) => byKind.get(kind) ?? { files: 0, bytes: 0 };
      const totalFiles = rows.reduce((sum, row) => sum + row.files, 0);
      const totalBytes = rows.reduce((sum, row) => sum + row.bytes, 0);
      return {
        total_files: totalFiles,
        total_size: totalBytes,
        total_size_mb: megabytes(totalBytes),
        stats_by_type: Object.fromEntries(MEDIA_KINDS.map((kind) => [MEDIA_CATEGORIES[kind], { count: of(kind).files, size: of(kind).bytes, size_mb: megabytes(of(kind).bytes) }])) as z.output<typeof mediaStatsView>['stats_by_type'],
        total_bytes: totalBytes,
        by_type: Object.fromEntries(MEDIA_KINDS.map((kind) => [kind, { files: of(kind).files, bytes: of(kind).bytes }])) as z.output<typeof mediaStatsView>['by_type'],
      };
    },
  };
}
