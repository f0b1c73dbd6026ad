// The one throttle on password guesses: logins and change-password's check of the current password
// take their attempts here, under the rule in db/auth/security.ts and the LOGIN_* settings.
import { createHmac } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import type { Config } from '../../config/index.js';
import { audit, takeLoginAttempt } from '../../db/auth/security.js';
import { normalizeLoginIdentifier } from '../../db/auth/users.js';
import { tooManyRequests } from '../shared/errors.js';
import type { ClientInfo } from './token-pairs.js';

/**
 * Who a login tried, as the audit trail keeps it: the account, or for a name no account has its
 * key (see accountKey), never what was typed, which is sometimes a password in the wrong field.
 */
export function triedAccount(account: { id: number } | null, accountKey: string): { userId: number | null; details: Record<string, string> } {
  return account ? { userId: account.id, details: {} } : { userId: null, details: { account_key: accountKey } };
}

/** `secret`: the auth service's own (SigningKeys.derivedSecret), which keys the hash of unknown names. */
export function createLoginThrottle(pool: DatabasePool, config: Config, secret: Buffer) {
  const limits = {
    windowSeconds: config.LOGIN_THROTTLE_WINDOW_SECONDS,
    maxPerAccountAndIp: config.LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_IP,
    maxPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
    maxAccountsPerIp: config.LOGIN_MAX_ACCOUNTS_PER_IP,
  };
  const unknownNameKey = createHmac('sha256', secret).update('qhitz login names no account has').digest();

  return {
    /**
     * What attempts are counted under: the account, however it was named (email or username, any case,
     * any Unicode form). A name no account has gets a key of its own, a keyed hash of its normalized
     * spelling, so it is throttled exactly like an account (the answers do not tell whether one
     * exists), it can never be an existing account's key (a variant spelling cannot lock anyone out),
     * and neither the throttle's table nor the audit trail holds anything a dictionary could read
     * back. A key rotation changes these keys: counts of unknown names start over then.
     */
    accountKey(account: { id: number } | null, identifier: string): string {
      if (account) return `account:${account.id}`;
      return `unknown:${createHmac('sha256', unknownNameKey).update(normalizeLoginIdentifier(identifier)).digest('hex')}`;
    },

    /**
     * Takes an attempt for this account from this client before its password is checked, and
     * returns its id (markLoginAttemptSucceeded, or opening a session, clears it); or answers 429
     * with the seconds to wait, and records that in the audit trail.
     */
    async take(accountKey: string, client: ClientInfo, account: { id: number } | null): Promise<number> {
      const attempt = await takeLoginAttempt(pool, { accountKey, ip: client.ip ?? 'unknown' }, limits);
      if ('attemptId' in attempt) return attempt.attemptId;
      const tried = triedAccount(account, accountKey);
      await audit(pool, { event: 'login_throttled', userId: tried.userId, ...client, details: { ...tried.details, throttled_by: attempt.throttledBy } });
      const seconds = Math.max(1, Math.ceil(attempt.wait));
      throw tooManyRequests(seconds, `Too many failed attempts; try again in ${seconds} s`);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
