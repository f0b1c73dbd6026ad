// A share link's token is an HMAC of a random seed stored with the link, under the server's secret;
// only the token's hash is stored beside the seed. So the database alone opens no link, downloads look
// links up by hash as before, and the owner can be shown the token of a live link again (the Flask
// system's `shared_link` on a file).
import { createHash, createHmac, randomBytes } from 'node:crypto';

export const hashShareToken = (token: string) => createHash('sha256').update(token).digest();

export function createShareTokens(secret: string) {
  // 16 bytes, as the random tokens before seeds were.
  const derive = (seed: string) => createHmac('sha256', secret).update(`cloud-share-link:${seed}`).digest().subarray(0, 16).toString('base64url');
  return {
    issue() {
      const seed = randomBytes(16).toString('hex');
      const token = derive(seed);
      return { seed, token, hash: hashShareToken(token) };
    },
    /**
     * The token of a stored link; null when the link has no seed, or when its token was made under
     * another secret (rotated since), whose hash this one would not match.
     */
    recover(seed: string | null, hashHex: string | null): string | null {
      if (seed === null || hashHex === null) return null;
      const token = derive(seed);
      return hashShareToken(token).toString('hex') === hashHex ? token : null;
    },
  };
}
