// Sessions and their token pairs: a short-lived access token (verified by every service) and a
// refresh token that rotates on every use. Reusing a spent refresh token after a short grace window
// ends the whole session (a stolen token is then worthless); within the window — several tabs
// refreshing at once — the same successor is handed out again instead of logging the user out.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import type { Config } from '../../config/index.js';
import { issueAccessToken } from '../../core/auth/access-tokens.js';
import type { SigningKeys } from '../../core/auth/signing-keys.js';
import { audit } from '../../db/auth/security.js';
import { endSessions, openSession, storeRefreshToken, touchSession, useRefreshToken } from '../../db/auth/sessions.js';
import { findUserById, type User } from '../../db/auth/users.js';
import { ApiError } from '../shared/errors.js';

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface TokenPair {
  token: string;
  refresh_token: string;
  expires_in: number;
  token_type: 'Bearer';
}

const hashToken = (token: string) => createHash('sha256').update(token).digest();

export function createTokenPairs(deps: { pool: DatabasePool; keys: SigningKeys; config: Config }) {
  const { pool, keys, config } = deps;
  const tokenSettings = { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS };
  // The successor of a refresh token is derived from it, so presenting the same spent token again
  // within the grace window yields the same successor without storing any token in clear.
  const successorOf = (token: string) => createHmac('sha256', keys.derivedSecret).update(token).digest('base64url');

  async function pairFor(user: Pick<User, 'id' | 'role'>, sessionId: string, refreshToken: string): Promise<TokenPair> {
    const { token, expiresIn } = await issueAccessToken(keys, { userId: user.id, role: user.role, sessionId }, tokenSettings);
    return { token, refresh_token: refreshToken, expires_in: expiresIn, token_type: 'Bearer' };
  }

  return {
    /**
     * Opens a session after a successful login (recorded and audited in the same statement), with the
     * role the account has now; null when the account changed during the password check (see openSession).
     */
    async startSession(
      user: Pick<User, 'id'>,
      client: ClientInfo,
      login: { attemptId: number; verifiedHash: string; details?: Record<string, unknown> },
    ): Promise<(TokenPair & { session_id: string; role: User['role'] }) | null> {
      const refreshToken = randomBytes(32).toString('base64url');
      const opened = await openSession(pool, {
        userId: user.id,
        client,
        refreshTokenHash: hashToken(refreshToken),
        refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
        ...login,
      });
      if (!opened) return null;
      return { ...(await pairFor({ id: user.id, role: opened.role }, opened.id, refreshToken)), session_id: opened.id, role: opened.role };
    },

    async rotate(presented: string, client: ClientInfo): Promise<TokenPair> {
      const found = await useRefreshToken(pool, hashToken(presented));
      if (!found) throw new ApiError(401, 'invalid_refresh_token', 'The refresh token is not valid; log in again');
      if (found.session_ended || !found.user_active) {
        throw new ApiError(401, 'session_revoked', 'This session has ended; log in again');
      }
      if (found.expired) throw new ApiError(401, 'refresh_token_expired', 'The refresh token has expired; log in again');
      if (found.used_seconds_ago !== null && found.used_seconds_ago > config.REFRESH_REUSE_GRACE_SECONDS) {
        await endSessions(pool, { sessionId: found.session_id }, 'refresh_reuse', config.ACCESS_TOKEN_TTL_SECONDS);
        await audit(pool, {
          event: 'refresh_token_reused',
          userId: found.user_id,
          ip: client.ip,
          userAgent: client.userAgent,
          details: { session_id: found.session_id },
        });
        throw new ApiError(401, 'refresh_token_reused', 'This refresh token was already used; the session has been ended for safety');
      }
      const user = await findUserById(pool, found.user_id);
      if (!user) throw new ApiError(401, 'invalid_refresh_token', 'The refresh token is not valid; log in again');
      const successor = successorOf(presented);
      // Stored on a retry within the grace window too (a no-op if the first answer stored it): the
      // first refresh may have marked the token used and then failed before storing its successor.
      await storeRefreshToken(pool, found.session_id, hashToken(successor), config.REFRESH_TOKEN_TTL_SECONDS);
      if (found.used_seconds_ago === null) {
        await touchSession(pool, found.session_id, client);
        await audit(pool, { event: 'token_refreshed', userId: user.id, ip: client.ip, userAgent: client.userAgent, details: { session_id: found.session_id } });
      }
      return pairFor(user, found.session_id, successor);
    },
  };
}

export type TokenPairs = ReturnType<typeof createTokenPairs>;
