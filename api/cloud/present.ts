// The one place cloud rows become public JSON. The storage key stays inside, a short-lived signed
// download_url lets a browser's plain link (which sends no Authorization header) fetch the bytes, and
// beside Qhitz's own keys stand the ones the Flask system's clients read (FLASK_CONTRACT.md):
// `filename`, `original_filename`, `file_size`, `file_size_mb`, `is_shared`, `shared_link`,
// `uploaded_at`, `modified_at` on files, `file_count`, `subfolder_count`, `is_shared` on folders, and
// the `total_*` figures of the stats.
import { z } from 'zod';
import { type CloudFile, cloudFileRow, type SharedFile } from '../../db/cloud/files.js';
import { type CountedFolder, countedFolderRow } from '../../db/cloud/folders.js';
import { extensionOf, gigabytes, megabytes, storedName } from '../shared/flask-file-fields.js';
import { createUrlSigner, type EndedUserCheck } from '../shared/signed-urls.js';
import { createShareTokens } from './share-tokens.js';

/** A file as the API shows it, for the documentation: the row without its storage key. */
export const cloudFileView = cloudFileRow
  .omit({ storage_key: true, size_bytes: true })
  .extend({
    size: z.number(),
    download_url: z.string().describe('Signed, valid for an hour; works without a token'),
    filename: z.string().describe('Stored name: <id>.<extension>, stable for the file'),
    original_filename: z.string().describe('The same as name'),
    file_extension: z.string().describe('Of the name, lower case without the dot; "" when none'),
    file_size: z.number().describe('Bytes of the current version (the same as size)'),
    file_size_mb: z.number().describe('file_size in MiB, two decimals'),
    is_shared: z.boolean().describe('Whether a share link opens the file now'),
    shared_link: z.string().nullable().describe('The token of that link (GET /api/cloud/shared/<token>); null when none, or when it can no longer be shown'),
    uploaded_at: z.string().describe('The same as created_at'),
    modified_at: z.string().describe('The same as updated_at'),
  })
  .meta({ id: 'CloudFile' });

export const folderView = countedFolderRow
  .extend({ is_shared: z.literal(false).describe('Folders are not shared (share links are per file)') })
  .meta({ id: 'Folder' });

export const cloudStatsView = z.object({
  total_files: z.number(),
  total_folders: z.number(),
  total_size: z.number().describe('Bytes of the files’ current versions'),
  total_size_mb: z.number(),
  total_size_gb: z.number(),
  used: z.number().describe('Bytes counted against the quota, older versions included'),
  quota: z.number(),
  files: z.number().describe('The same as total_files'),
  folders: z.number().describe('The same as total_folders'),
  versions_bytes: z.number().describe('Bytes in versions older than the current ones'),
  by_type: z.record(z.string(), z.number()).describe('Files per top-level MIME type (image, text, …)'),
});

/** The grant a signed URL carries: one per file, opening any of its versions. */
const downloadResource = (fileId: number) => `cloud-file:${fileId}`;

/** Files, versions, folders and stats as the API shows them, and the check of their signed URLs. */
export function createCloudPresenter(secret: string, endedUsers: EndedUserCheck) {
  const signer = createUrlSigner(secret, { endedUsers });
  const tokens = createShareTokens(secret);
  const downloadUrl = (file: CloudFile, query = '') => signer.sign(`/api/cloud/download/${file.id}${query}`, downloadResource(file.id), file.owner_id);
  return {
    /** The owner a signed download URL of this file was made for; 403 when it is not valid. */
    signedOwner: (fileId: number, query: Record<string, string>) => signer.verify(downloadResource(fileId), query),
    version: (file: CloudFile, version: { version: number; size_bytes: number; mime_type: string; created_at: string }) => ({
      ...version,
      download_url: downloadUrl(file, `?version=${version.version}`),
    }),
    file(file: SharedFile): z.output<typeof cloudFileView> {
      const { storage_key: _key, size_bytes: size, is_shared: isShared, share_token_seed: seed, share_token_hash: hash, ...rest } = file;
      return {
        ...rest,
        size,
        download_url: downloadUrl(file),
        filename: storedName(file.id, file.name),
        original_filename: file.name,
        file_extension: extensionOf(file.name),
        file_size: size,
        file_size_mb: megabytes(size),
        is_shared: isShared,
        shared_link: tokens.recover(seed, hash),
        uploaded_at: file.created_at,
        modified_at: file.updated_at,
      };
    },
    folder: (folder: CountedFolder): z.output<typeof folderView> => ({ ...folder, is_shared: false }),
    stats(
      quota: { used_bytes: number; quota_bytes: number },
      stats: { files: number; files_bytes: number; folders: number; versions_bytes: number; by_type: Record<string, number> },
    ): z.output<typeof cloudStatsView> {
      return {
        total_files: stats.files,
        total_folders: stats.folders,
        total_size: stats.files_bytes,
        total_size_mb: megabytes(stats.files_bytes),
        total_size_gb: gigabytes(stats.files_bytes),
        used: quota.used_bytes,
        quota: quota.quota_bytes,
        files: stats.files,
        folders: stats.folders,
        versions_bytes: stats.versions_bytes,
        by_type: stats.by_type,
      };
    },
  };
}
