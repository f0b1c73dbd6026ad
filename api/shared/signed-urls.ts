// Short-lived signed URLs for browsers' <img>, <audio>, <video> and plain links, which cannot send an
// Authorization header. The HMAC covers what is accessed (e.g. "media-download:12"), by whom and
// until when, so a URL cannot be stretched to another file, another user or a later time.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { forbidden } from './errors.js';

export interface SignedGrant {
  /** What the URL opens, e.g. `media-download:12`. */
  resource: string;
  userId: number;
  /** Epoch seconds. */
  expiresAt: number;
}

function signature(secret: string, grant: SignedGrant): Buffer {
  return createHmac('sha256', secret).update(`${grant.resource}\n${grant.userId}\n${grant.expiresAt}`).digest();
}

/** `path?uid=…&exp=…&sig=…` */
export function signUrl(secret: string, path: string, grant: SignedGrant): string {
  // Integers and base64url need no escaping (URLSearchParams cost as much as the HMAC on a page of files).
  const sig = signature(secret, grant).toString('base64url');
  return `${path}${path.includes('?') ? '&' : '?'}uid=${grant.userId}&exp=${grant.expiresAt}&sig=${sig}`;
}

/** The user a signed URL was made for; 403 when it is tampered with, for another resource, or expired. */
export function verifySignedUrl(secret: string, resource: string, query: { uid?: unknown; exp?: unknown; sig?: unknown }, now = Date.now()): number {
  const userId = Number(query.uid);
  const expiresAt = Number(query.exp);
  if (!Number.isSafeInteger(userId) || !Number.isSafeInteger(expiresAt) || typeof query.sig !== 'string') {
    throw forbidden('This link is not valid');
  }
  const expected = signature(secret, { resource, userId, expiresAt });
  const given = Buffer.from(query.sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw forbidden('This link is not valid');
  if (expiresAt * 1000 < now) throw forbidden('This link has expired; ask for a new one');
  return userId;
}
