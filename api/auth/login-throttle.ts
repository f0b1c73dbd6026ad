// The one throttle on password guesses: logins and change-password's check of the current password
// take their attempts here, under the rule in db/auth/security.ts and the LOGIN_* settings.
import { createHash } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import type { Config } from '../../config/index.js';
import { audit, takeLoginAttempt } from '../../db/auth/security.js';
import { normalizeLoginIdentifier } from '../../db/auth/users.js';
import { tooManyRequests } from '../shared/errors.js';
import type { ClientInfo } from './token-pairs.js';

/**
 * What attempts are counted under: the account, however it was named (email or username, any case,
 * any Unicode form). A name no account has gets a key of its own, derived from its normalized
 * spelling, so it is throttled exactly like an account (the answers do not tell whether one exists)
 * and it can never be an existing account's key (a variant spelling cannot lock anyone out).
 */
export function loginAccountKey(account: { id: number } | null, identifier: string): string {
  if (account) return `account:${account.id}`;
  return `unknown:${createHash('sha256').update(normalizeLoginIdentifier(identifier)).digest('hex')}`;
}

export function createLoginThrottle(pool: DatabasePool, config: Config) {
  const limits = {
    windowSeconds: config.LOGIN_THROTTLE_WINDOW_SECONDS,
    maxPerAccountAndIp: config.LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP,
    maxPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
    maxAccountsPerIp: config.LOGIN_MAX_ACCOUNTS_PER_IP,
  };

  return {
    /**
     * Takes an attempt for this account from this client before its password is checked, and
     * returns its id (markLoginAttemptSucceeded, or opening a session, clears it); or answers 429
     * with the seconds to wait, and records that in the audit trail.
     */
    async take(accountKey: string, client: ClientInfo, audited: { userId: number | null; details?: Record<string, unknown> }): Promise<number> {
      const attempt = await takeLoginAttempt(pool, { accountKey, ip: client.ip ?? 'unknown' }, limits);
      if ('attemptId' in attempt) return attempt.attemptId;
      await audit(pool, { event: 'login_throttled', userId: audited.userId, ...client, details: { ...audited.details, throttled_by: attempt.throttledBy } });
      const seconds = Math.max(1, Math.ceil(attempt.wait));
      throw tooManyRequests(seconds, `Too many failed attempts; try again in ${seconds} s`);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
