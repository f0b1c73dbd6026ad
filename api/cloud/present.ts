// The JSON of a cloud file: the storage key stays inside, and a short-lived signed download_url lets a
// browser's plain link (which sends no Authorization header) fetch the bytes.
import { z } from 'zod';
import { type CloudFile, cloudFileRow } from '../../db/cloud/files.js';
import { createUrlSigner, type EndedUserCheck } from '../shared/signed-urls.js';

/** A file as the API shows it, for the documentation: the row without its storage key. */
export const cloudFileView = cloudFileRow
  .omit({ storage_key: true, size_bytes: true })
  .extend({ size: z.number(), download_url: z.string().describe('Signed, valid for an hour; works without a token') })
  .meta({ id: 'CloudFile' });

/** The grant a signed URL carries: one per file, opening any of its versions. */
const downloadResource = (fileId: number) => `cloud-file:${fileId}`;

/** Files and versions as the API shows them, and the check of their signed URLs. */
export function createCloudPresenter(secret: string, endedUsers: EndedUserCheck) {
  const signer = createUrlSigner(secret, { endedUsers });
  const downloadUrl = (file: CloudFile, query = '') => signer.sign(`/api/cloud/download/${file.id}${query}`, downloadResource(file.id), file.owner_id);
  return {
    /** The owner a signed download URL of this file was made for; 403 when it is not valid. */
    signedOwner: (fileId: number, query: Record<string, string>) => signer.verify(downloadResource(fileId), query),
    version: (file: CloudFile, version: { version: number; size_bytes: number; mime_type: string; created_at: string }) => ({
      ...version,
      download_url: downloadUrl(file, `?version=${version.version}`),
    }),
    file(file: CloudFile): z.output<typeof cloudFileView> {
      const { storage_key: _key, size_bytes: size, ...rest } = file;
      return { ...rest, size, download_url: downloadUrl(file) };
    },
  };
}
