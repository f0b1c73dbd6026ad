// Settings of the auth service (the token settings every service shares are in index.ts).
import { z } from 'zod';
import { positiveInt } from './types.js';

export const authSettings = {
  /** Private signing keys as a JSON array of Ed25519 JWKs (with `kid`), newest first. */
  AUTH_SIGNING_KEYS: z.string().min(1).optional(),
  /** …or a file holding that JSON; outside production it is generated when missing. */
  AUTH_SIGNING_KEYS_FILE: z.string().min(1).default('.data/auth-signing-keys.json'),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt.default(15 * 60),
  REFRESH_TOKEN_TTL_SECONDS: positiveInt.default(30 * 24 * 3600),
  /** A used refresh token presented again within this window (several tabs) gets the same new pair. */
  REFRESH_REUSE_GRACE_SECONDS: positiveInt.default(10),
  /** argon2id cost; at least OWASP's minimum (19 MiB, 2 passes, 1 lane). Weaker hashes are upgraded at login. */
  ARGON2_MEMORY_KIB: z.coerce.number().int().min(19_456).default(19_456),
  ARGON2_TIME_COST: z.coerce.number().int().min(2).default(2),
  ARGON2_PARALLELISM: z.coerce.number().int().min(1).default(1),
  /** Password hashes computed at once; unset: one fewer than the cores, so logins never starve other requests. */
  ARGON2_MAX_CONCURRENCY: positiveInt.optional(),
  /** How long a failed login counts for throttling (see db/auth/security.ts for the rule). */
  LOGIN_THROTTLE_WINDOW_SECONDS: positiveInt.default(15 * 60),
  /** Failures for one account from one address before that address must wait for that account. */
  LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP: positiveInt.default(5),
  /** Failures for one account from all addresses together before the account waits (distributed guessing). */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: positiveInt.default(20),
  /** Accounts with failures from one address before its logins are slowed by a doubling delay (credential stuffing). */
  LOGIN_MAX_ACCOUNTS_PER_IP: positiveInt.default(10),
  /** How long audit events are kept. */
  AUDIT_RETENTION_DAYS: positiveInt.default(365),
};
