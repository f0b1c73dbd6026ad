// The JSON of a cloud file: the storage key stays inside, and a short-lived signed download_url lets a
// browser's plain link (which sends no Authorization header) fetch the bytes.
import { z } from 'zod';
import { type CloudFile, cloudFileRow } from '../../db/cloud/files.js';
import { signUrl } from '../shared/signed-urls.js';

/** A file as the API shows it, for the documentation: the row without its storage key. */
export const cloudFileView = cloudFileRow
  .omit({ storage_key: true, size_bytes: true })
  .extend({ size: z.number(), download_url: z.string().describe('Signed, valid for an hour; works without a token') })
  .meta({ id: 'CloudFile' });

export const SIGNED_URL_SECONDS = 3600;
export const downloadResource = (fileId: number) => `cloud-file:${fileId}`;

/** One stored version, with a signed link to its own bytes (the grant covers the file, any version). */
export function presentVersion(secret: string, file: CloudFile, version: { version: number; size_bytes: number; mime_type: string; created_at: string }) {
  const expiresAt = Math.floor(Date.now() / 1000) + SIGNED_URL_SECONDS;
  return {
    ...version,
    download_url: signUrl(secret, `/api/cloud/download/${file.id}?version=${version.version}`, { resource: downloadResource(file.id), userId: file.owner_id, expiresAt }),
  };
}

export function presentFile(secret: string, file: CloudFile): z.output<typeof cloudFileView> {
  const { storage_key: _key, size_bytes: size, ...rest } = file;
  const expiresAt = Math.floor(Date.now() / 1000) + SIGNED_URL_SECONDS;
  return {
    ...rest,
    size,
    download_url: signUrl(secret, `/api/cloud/download/${file.id}`, { resource: downloadResource(file.id), userId: file.owner_id, expiresAt }),
  };
}
