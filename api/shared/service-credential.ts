// What the other services show the auth service when they poll its ended-session feed, so that the
// accounts listed there (deactivated ones, and those demoted from admin: who was an admin) are told
// to them alone. Derived from the URL signing secret, which every service already holds (production
// requires it of each), so there is nothing new to configure.
import { createHmac } from 'node:crypto';
import type { Config } from '../../config/index.js';
import { urlSigningSecret } from '../../config/url-signing-secret.js';
import { sameBytes } from '../../core/same-bytes.js';

export const SERVICE_CREDENTIAL_HEADER = 'x-qhitz-service-credential';

export function serviceCredential(config: Pick<Config, 'URL_SIGNING_SECRET' | 'URL_SIGNING_SECRET_FILE' | 'NODE_ENV'>): string {
  return createHmac('sha256', urlSigningSecret(config)).update('qhitz services polling the auth feed').digest('base64url');
}

/** Whether `presented` (the header, if sent) is `expected`, compared in constant time. */
export function isServiceCredential(presented: string | null, expected: string): boolean {
  return presented !== null && sameBytes(Buffer.from(presented), Buffer.from(expected));
}
