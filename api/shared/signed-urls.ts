// Short-lived signed URLs for browsers' <img>, <audio>, <video> and plain links, which cannot send an
// Authorization header. The HMAC covers what is accessed (e.g. "media-file:12"), by whom and until
// when, so a URL cannot be stretched to another file, another user or a later time.
import { createHmac } from 'node:crypto';
import { sameBytes } from '../../core/same-bytes.js';
import { forbidden } from './errors.js';

/** How long a signed URL opens its file (at least; see the step). */
export const SIGNED_URL_LIFETIME_SECONDS = 3600;
/** Expiries are rounded up to this step, so a file keeps the same URL for five minutes. */
const EXPIRY_STEP_SECONDS = 300;
/** The furthest ahead any expiry this service signs can lie. */
export const SIGNED_URL_LONGEST_SECONDS = SIGNED_URL_LIFETIME_SECONDS + EXPIRY_STEP_SECONDS;

/** The expiry (epoch seconds) of a URL signed at `signedAtMs` (epoch ms): the lifetime, rounded up to the step. */
export function expiryOfUrlSignedAt(signedAtMs: number, lifetimeSeconds = SIGNED_URL_LIFETIME_SECONDS): number {
  return Math.ceil((signedAtMs / 1000 + lifetimeSeconds) / EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS;
}
/** Replicas' clocks may differ by this much; an expiry further ahead than that was never issued. */
const CLOCK_SKEW_SECONDS = 30;
/** Signatures kept for reuse; past this the memo starts over (old expiries are useless anyway). */
const MEMO_LIMIT = 20_000;

/** What a signed URL opens with: its user's own rights, or an admin's (media's `as=admin`, anyone's file). */
export type SignedUrlRole = 'user' | 'admin';

/**
 * Users whose signed URLs are refused, as the auth service reports (see auth-guard): all of them once
 * the account is deactivated, the admin ones once it is no longer admin.
 */
export interface EndedUserCheck {
  /**
   * URLs with `role` made for `userId` that expire at or before this (epoch seconds) are refused:
   * Infinity while the account is deactivated (or, for admin URLs, not admin), afterwards the latest
   * expiry signed before that; undefined for everyone else.
   */
  signedUrlCutoff(userId: number, role: SignedUrlRole): number | undefined;
}

export interface UrlSigner {
  /** `path?uid=…&exp=…&sig=…`, opening `resource` for `userId` for at least the signer's lifetime. */
  sign(path: string, resource: string, userId: number): string;
  /**
   * The user a signed URL was made for; 403 when it is tampered with, for another resource, expired,
   * expiring later than any URL this service issues, or made for a user who has since been deactivated
   * (or, by an admin signer, demoted).
   */
  verify(resource: string, query: { uid?: unknown; exp?: unknown; sig?: unknown }, now?: number): number;
}

/** A signer of URLs with one `role` (default user): an admin's rights are checked by a signer of their own. */
export function createUrlSigner(
  secret: string,
  options: { lifetimeSeconds?: number; endedUsers?: EndedUserCheck; role?: SignedUrlRole } = {},
): UrlSigner {
  const lifetimeSeconds = options.lifetimeSeconds ?? SIGNED_URL_LIFETIME_SECONDS;
  const role = options.role ?? 'user';
  const cutoffOf = (userId: number) => options.endedUsers?.signedUrlCutoff(userId, role);
  const longestAheadSeconds = lifetimeSeconds + EXPIRY_STEP_SECONDS + CLOCK_SKEW_SECONDS;
  const hmac = (message: string) => createHmac('sha256', secret).update(message).digest();
  // A page of files is signed again on every request. With stepped expiries the same (resource, user,
  // expiry) recurs for five minutes: browsers cache what the URL shows, and the HMAC (a tenth of a
  // browse request's CPU) is computed once.
  const memo = new Map<string, string>();
  const message = (resource: string, userId: number, expiresAt: number) => `${resource}\n${userId}\n${expiresAt}`;

  return {
    sign(path, resource, userId) {
      let expiresAt = expiryOfUrlSignedAt(Date.now(), lifetimeSeconds);
      // Reactivated (or made admin again) within the step of the URLs that died, a user would get their
      // stepped expiry: one second past it tells them apart (and stays within the bound).
      const cutoff = cutoffOf(userId);
      if (cutoff !== undefined && Number.isFinite(cutoff) && expiresAt <= cutoff) expiresAt = cutoff + 1;
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
      if (!sameBytes(given, expected)) throw forbidden('This link is not valid');
      if (expiresAt * 1000 < now) throw forbidden('This link has expired; ask for a new one');
      // Only a holder of the secret could have signed it; still, nothing this service signs lasts
      // longer, so a far expiry is a forgery (or a leaked secret) and gets nothing.
      if (expiresAt * 1000 > now + longestAheadSeconds * 1000) throw forbidden('This link is not valid');
      if (expiresAt <= (cutoffOf(userId) ?? 0)) throw forbidden('This link is no longer valid; ask for a new one');
      return userId;
    },
  };
}
