// The JSON of a cloud file: the storage key stays inside, and a short-lived signed download_url lets a
// browser's plain link (which sends no Authorization header) fetch the bytes.
import type { CloudFile } from '../../db/cloud/files.js';
import { signUrl } from '../shared/signed-urls.js';

export const SIGNED_URL_SECONDS = 3600;
export const downloadResource = (fileId: number) => `cloud-file:${fileId}`;

export function presentFile(secret: string, file: CloudFile) {
  const { storage_key: _key, size_bytes: size, ...rest } = file;
  const expiresAt = Math.floor(Date.now() / 1000) + SIGNED_URL_SECONDS;
  return {
    ...rest,
    size,
    download_url: signUrl(secret, `/api/cloud/download/${file.id}`, { resource: downloadResource(file.id), userId: file.owner_id, expiresAt }),
  };
}
