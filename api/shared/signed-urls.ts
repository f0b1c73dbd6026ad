// Short-lived signed URLs for browsers' <img>, <audio>, <video> and plain links, which cannot send an
// Authorization header. The HMAC covers what is accessed (e.g. "media-file:12"), by whom and until
// when, so a URL cannot be stretched to another file, another user or a later time.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { forbidden } from './errors.js';

/** Expiries are rounded up to this step, so a file keeps the same URL for five minutes. */
const EXPIRY_STEP_SECONDS = 300;
/** Signatures kept for reuse; past this the memo starts over (old expiries are useless anyway). */
const MEMO_LIMIT = 20_000;

export interface UrlSigner {
  /** `path?uid=…&exp=…&sig=…`, opening `resource` for `userId` for at least the signer's lifetime. */
  sign(path: string, resource: string, userId: number): string;
  /** The user a signed URL was made for; 403 when it is tampered with, for another resource, or expired. */
  verify(resource: string, query: { uid?: unknown; exp?: unknown; sig?: unknown }, now?: number): number;
}

export function createUrlSigner(secret: string, lifetimeSeconds = 3600): UrlSigner {
  const hmac = (message: string) => createHmac('sha256', secret).update(message).digest();
  // A page of files is signed again on every request. With stepped expiries the same (resource, user,
  // expiry) recurs for five minutes: browsers cache what the URL shows, and the HMAC (a tenth of a
  // browse request's CPU) is computed once.
  const memo = new Map<string, string>();
  const message = (resource: string, userId: number, expiresAt: number) => `${resource}\n${userId}\n${expiresAt}`;

  return {
    sign(path, resource, userId) {
      const expiresAt = Math.ceil((Date.now() / 1000 + lifetimeSeconds) / EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS;
      const signed = message(resource, userId, expiresAt);
      let sig = memo.get(signed);
      if (sig === undefined) {
        if (memo.size >= MEMO_LIMIT) memo.clear();
        sig = hmac(signed).toString('base64url');
        memo.set(signed, sig);
      }
      // Integers and base64url need no escaping (URLSearchParams cost as much as the HMAC on a page of files).
      return `${path}${path.includes('?') ? '&' : '?'}uid=${userId}&exp=${expiresAt}&sig=${sig}`;
    },

    verify(resource, query, now = Date.now()) {
      const userId = Number(query.uid);
      const expiresAt = Number(query.exp);
      if (!Number.isSafeInteger(userId) || !Number.isSafeInteger(expiresAt) || typeof query.sig !== 'string') {
        throw forbidden('This link is not valid');
      }
      // Not memoised: the query is the caller's, and must not fill the memo.
      const expected = hmac(message(resource, userId, expiresAt));
      const given = Buffer.from(query.sig, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw forbidden('This link is not valid');
      if (expiresAt * 1000 < now) throw forbidden('This link has expired; ask for a new one');
      return userId;
    },
  };
}
