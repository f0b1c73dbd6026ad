// Every service verifies access tokens itself, locally: signature (from the auth service's JWKS,
// cached), issuer, audience, expiry (core/auth/access-tokens.ts), then a session-revocation check
// against a list kept in memory and refreshed every couple of seconds. No request waits on the auth
// service or a database.
import type { H3Event } from 'h3';
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AccessTokenRefused, createAccessTokenVerifier, type Principal, type VerifierOptions } from '../../core/auth/access-tokens.js';
import type { Role } from '../../db/auth/users.js';
import { ApiError, forbidden, serviceUnavailable, unauthorized } from './errors.js';
import { SERVICE_CREDENTIAL_HEADER } from './service-credential.js';
import { type EndedUserCheck, expiryOfUrlSignedAt, SIGNED_URL_LONGEST_SECONDS, type SignedUrlRole } from './signed-urls.js';

const ROLE_RANK: Record<Role, number> = { user: 0, staff: 1, admin: 2 };

/** Admins can do what staff can, staff what users can. */
export function hasRole(principal: Principal, minimum: Role): boolean {
  return ROLE_RANK[principal.role] >= ROLE_RANK[minimum];
}

export interface RevocationCheck extends Partial<EndedUserCheck> {
  isRevoked(sessionId: string): boolean | Promise<boolean>;
}

export interface AuthGuardOptions extends VerifierOptions {
  revocations?: RevocationCheck;
}

export interface AuthGuard extends EndedUserCheck {
  /** The caller, or 401. Cached on the event, so calling it twice costs nothing. */
  requireUser(event: H3Event): Promise<Principal>;
  /** The caller if they have at least `role`: 401 without a valid token, 403 with too small a role. */
  requireRole(event: H3Event, role: Role): Promise<Principal>;
  /** The caller if a token was sent, null if none was; an invalid token is still a 401. */
  optionalUser(event: H3Event): Promise<Principal | null>;
}

const INVALID_TOKEN = { 'www-authenticate': 'Bearer error="invalid_token"' };

/** The answer to a refused token: 401 saying why, or 503 when the keys to check it are out of reach. */
function refusal(error: unknown): unknown {
  if (!(error instanceof AccessTokenRefused)) return error;
  switch (error.reason) {
    case 'expired':
      return new ApiError(401, 'token_expired', 'The access token has expired; refresh it', { headers: INVALID_TOKEN });
    case 'keys_unreachable':
      return serviceUnavailable('Tokens cannot be verified right now (the auth service is unreachable)');
    case 'invalid':
      return new ApiError(401, 'invalid_token', 'The access token is invalid', { headers: INVALID_TOKEN });
    case 'missing_claims':
      return new ApiError(401, 'invalid_token', 'The access token is missing claims');
  }
}

export function createAuthGuard(options: AuthGuardOptions): AuthGuard {
  const verifyToken = createAccessTokenVerifier(options);

  // Revocation is checked on every request, a cached verification included.
  async function verify(token: string): Promise<Principal> {
    let principal: Principal;
    try {
      principal = await verifyToken(token);
    } catch (error) {
      throw refusal(error);
    }
    if (options.revocations && (await options.revocations.isRevoked(principal.sessionId))) {
      throw new ApiError(401, 'session_revoked', 'This session has ended; log in again');
    }
    return principal;
  }

  async function optionalUser(event: H3Event): Promise<Principal | null> {
    const cached = event.context.principal as Principal | null | undefined;
    if (cached !== undefined) return cached;
    const header = event.req.headers.get('authorization');
    let principal: Principal | null = null;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw unauthorized('Send the token as "Authorization: Bearer <token>"');
      principal = await verify(match[1]!);
    }
    event.context.principal = principal;
    return principal;
  }

  async function requireUser(event: H3Event): Promise<Principal> {
    const principal = await optionalUser(event);
    if (!principal) throw unauthorized();
    return principal;
  }

  async function requireRole(event: H3Event, role: Role): Promise<Principal> {
    const principal = await requireUser(event);
    if (!hasRole(principal, role)) throw forbidden(`This needs the ${role} role`);
    return principal;
  }

  return {
    requireUser,
    requireRole,
    optionalUser,
    signedUrlCutoff: (userId, role) => options.revocations?.signedUrlCutoff?.(userId, role),
  };
}

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** The auth service's public keys, fetched from its JWKS endpoint and cached (re-fetched on an unknown `kid`). */
export function remoteSigningKeys(authUrl: string, fetchImplementation: Fetch = fetch): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL('/api/auth/.well-known/jwks.json', authUrl), {
    cacheMaxAge: 10 * 60_000,
    // After a key rotation, tokens signed with the new key carry a kid this cache has not seen; it is
    // fetched again at most this soon after the last fetch (jose's default of 30 s refused them that long).
    cooldownDuration: 2_000,
    timeoutDuration: 3000,
    [customFetch]: (url, init) => fetchImplementation(url, init as RequestInit),
  });
}

/**
 * Accounts an auth poll lists (whole, every time) as having lost some signed URLs at `ended_at`:
 * refused while listed, and once no longer listed (reactivated, admin again) those signed before
 * `ended_at`, until they would have expired anyway.
 */
function createEndedAccounts() {
  /** By id: when, and whether the last poll still listed them. */
  const accounts = new Map<number, { endedAt: number; listed: boolean }>();
  return {
    update(listed: ReadonlyArray<{ id: number; ended_at: string }>, now: number): void {
      for (const entry of accounts.values()) entry.listed = false;
      for (const account of listed) {
        const endedAt = Date.parse(account.ended_at);
        accounts.set(account.id, { endedAt: Math.max(endedAt, accounts.get(account.id)?.endedAt ?? 0), listed: true });
      }
      for (const [id, entry] of accounts) if (!entry.listed && entry.endedAt + SIGNED_URL_LONGEST_SECONDS * 1000 < now) accounts.delete(id);
    },
    /** See EndedUserCheck.signedUrlCutoff. */
    cutoff(userId: number): number | undefined {
      const ended = accounts.get(userId);
      if (!ended) return undefined;
      return ended.listed ? Infinity : expiryOfUrlSignedAt(ended.endedAt);
    },
  };
}

/**
 * The set of ended sessions, polled from the auth service:
 * `GET /api/auth/sessions/revoked?since=<cursor>` → `{ revoked: [{ id, expires_at }], cursor, ended_users, ended_admins }`.
 * An entry is kept until its `expires_at` (after which any token of that session has expired anyway).
 * `ended_users` are the accounts deactivated within a signed URL's lifetime, whose signed URLs are
 * refused; `ended_admins` those demoted from admin, whose admin URLs are (see createEndedAccounts).
 * The auth service tells those two to the services alone, who send their credential.
 * If the auth service is unreachable the last known list keeps being used, and it is logged.
 */
export function createRevokedSessionList(options: {
  authUrl: string;
  /** Shown to the auth service, which lists the ended accounts only to the services (service-credential.ts). */
  credential: string;
  fetch?: Fetch;
  refreshIntervalMs?: number;
  logger?: Logger;
}): RevocationCheck & { refresh(): Promise<void>; start(): void; stop(): void } {
  const fetchImplementation = options.fetch ?? fetch;
  const revoked = new Map<string, number>();
  const endedAccount = z.object({ id: z.number(), ended_at: z.string() });
  const responseSchema = z.object({
    revoked: z.array(z.object({ id: z.string(), expires_at: z.string() })),
    cursor: z.string(),
    // Absent when the auth service refused the credential; ended_admins also from an auth service
    // older than this one, during a rolling deploy.
    ended_users: z.array(endedAccount).optional(),
    ended_admins: z.array(endedAccount).default([]),
  });
  const endedUsers = createEndedAccounts();
  const endedAdmins = createEndedAccounts();
  let cursor = '';
  let timer: NodeJS.Timeout | undefined;
  let failing = false;
  let credentialRefused = false;
  let polls = 0;

  async function refresh(): Promise<void> {
    try {
      const url = new URL('/api/auth/sessions/revoked', options.authUrl);
      // Now and then read the whole (small) list again, as a backstop for anything a cursor missed.
      if (cursor && ++polls % 30 !== 0) url.searchParams.set('since', cursor);
      const response = await fetchImplementation(url, { headers: { [SERVICE_CREDENTIAL_HEADER]: options.credential }, signal: AbortSignal.timeout(3000) });
      if (!response.ok) throw new Error(`auth service answered ${response.status}`);
      const body = responseSchema.parse(await response.json());
      for (const entry of body.revoked) revoked.set(entry.id, Date.parse(entry.expires_at));
      cursor = body.cursor;
      const now = Date.now();
      for (const [id, expiresAt] of revoked) if (expiresAt < now) revoked.delete(id);
      if (!body.ended_users && !credentialRefused) {
        options.logger?.error('the auth service does not take this service\'s credential (is URL_SIGNING_SECRET the same?): signed URLs of deactivated accounts are not refused');
      }
      credentialRefused = !body.ended_users;
      endedUsers.update(body.ended_users ?? [], now);
      endedAdmins.update(body.ended_admins, now);
      if (failing) options.logger?.info('revoked-session list is being refreshed again');
      failing = false;
    } catch (error) {
      if (!failing) options.logger?.warn({ err: error }, 'cannot refresh the revoked-session list; using the last one');
      failing = true;
    }
  }

  /** The later of the cutoffs that apply: a deactivation ends admin URLs too. */
  function signedUrlCutoff(userId: number, role: SignedUrlRole): number | undefined {
    const deactivated = endedUsers.cutoff(userId);
    const demoted = role === 'admin' ? endedAdmins.cutoff(userId) : undefined;
    if (demoted === undefined) return deactivated;
    return deactivated === undefined ? demoted : Math.max(deactivated, demoted);
  }

  return {
    isRevoked: (sessionId) => revoked.has(sessionId),
    signedUrlCutoff,
    refresh,
    start() {
      if (timer) return;
      void refresh();
      timer = setInterval(() => void refresh(), options.refreshIntervalMs ?? 2000);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
