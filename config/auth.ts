// Settings of the auth service (and the token settings every service shares are in index.ts).
import { z } from 'zod';
import { positiveInt } from './types.js';

export const authSettings = {
  /** Private signing keys as a JSON array of Ed25519 JWKs (with `kid`), newest first. */
  AUTH_SIGNING_KEYS: z.string().min(1).optional(),
  /** …or a file holding that JSON; outside production it is generated when missing. */
  AUTH_SIGNING_KEYS_FILE: z.string().min(1).default('.data/auth-signing-keys.json'),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt.default(15 * 60),
};
