// Sessions: refresh, logout, the caller's session list, and the feed of ended sessions that the
// other services poll so a logout takes effect everywhere within seconds.
import { z } from 'zod';
import { audit } from '../../../db/auth/security.js';
import { endSessions, listActiveSessions, recentlyDeactivatedUsers, recentlyDemotedAdmins, REVOCATIONS_PER_PAGE, revokedSince, settledRevocationCursor } from '../../../db/auth/sessions.js';
import { notFound } from '../../shared/errors.js';
import { defineRoute } from '../../shared/route.js';
import { isServiceCredential, SERVICE_CREDENTIAL_HEADER } from '../../shared/service-credential.js';
import { SIGNED_URL_LONGEST_SECONDS } from '../../shared/signed-urls.js';
import { clientOf } from '../client-info.js';
import type { AuthContext, AuthServices } from '../services.js';

const refreshRequest = z.object({ refresh_token: z.string().min(1).max(512) });
const sessionId = z.object({ id: z.uuid('must be a session id') });
const revocationQuery = z.object({ since: z.coerce.number().int().min(0).optional() });

async function refreshTokens({ services: { tokens, config }, body, event }: AuthContext<{ access: 'public'; body: typeof refreshRequest }>) {
  return { message: 'Token refreshed', ...(await tokens.rotate(body.refresh_token, clientOf(event, config.TRUST_PROXY))) };
}

async function logout({ services: { pool, config }, user, event }: AuthContext<{ access: 'user' }>) {
  await endSessions(pool, { sessionId: user.sessionId }, 'logout', config.ACCESS_TOKEN_TTL_SECONDS);
  await audit(pool, { event: 'logout', userId: user.id, ...clientOf(event, config.TRUST_PROXY), details: { session_id: user.sessionId } });
  return { message: 'Logged out' };
}

async function logoutEverywhere({ services: { pool, config }, user, event }: AuthContext<{ access: 'user' }>) {
  const ended = await endSessions(pool, { userId: user.id }, 'logout_all', config.ACCESS_TOKEN_TTL_SECONDS);
  await audit(pool, { event: 'logout_all', userId: user.id, ...clientOf(event, config.TRUST_PROXY), details: { sessions_ended: ended.length } });
  return { message: 'Logged out everywhere', sessions_ended: ended.length };
}

async function listSessions({ services: { pool }, user }: AuthContext<{ access: 'user' }>) {
  const sessions = await listActiveSessions(pool, user.id);
  return { sessions: sessions.map((session) => ({ ...session, current: session.id === user.sessionId })) };
}

async function endSession({ services: { pool, config }, user, params, event }: AuthContext<{ access: 'user'; params: typeof sessionId }>) {
  const ended = await endSessions(pool, { sessionId: params.id, userId: user.id }, 'ended_by_user', config.ACCESS_TOKEN_TTL_SECONDS);
  if (!ended.length) throw notFound('No active session of yours has that id');
  await audit(pool, { event: 'session_ended', userId: user.id, ...clientOf(event, config.TRUST_PROXY), details: { session_id: params.id } });
  return { message: 'Session ended' };
}

/** The accounts whose signed URLs the services refuse: for them only (see service-credential.ts). */
async function endedAccounts(pool: AuthServices['pool']) {
  // A minute more than a URL can live: the poll that reports a deactivation or demotion may come late.
  const within = SIGNED_URL_LONGEST_SECONDS + 60;
  const [endedUsers, endedAdmins] = await Promise.all([recentlyDeactivatedUsers(pool, within), recentlyDemotedAdmins(pool, within)]);
  return { ended_users: endedUsers, ended_admins: endedAdmins };
}

async function listRevocations({ services: { pool, serviceCredential }, query, event }: AuthContext<{ access: 'public'; query: typeof revocationQuery }>) {
  const since = query.since ?? 0;
  const forServices = isServiceCredential(event.req.headers.get(SERVICE_CREDENTIAL_HEADER), serviceCredential);
  const [rows, settled, ended] = await Promise.all([
    revokedSince(pool, since),
    settledRevocationCursor(pool, since, 10),
    forServices ? endedAccounts(pool) : {},
  ]);
  // A full page: the next poll goes on from its last entry, or what lies beyond it would be skipped.
  const cursor = rows.length === REVOCATIONS_PER_PAGE ? Math.min(settled, rows.at(-1)!.feed_id) : settled;
  return { revoked: rows.map(({ id, expires_at }) => ({ id, expires_at })), cursor: String(cursor), ...ended };
}

export const sessionRoutes = [
  defineRoute({
    method: 'POST',
    path: '/api/auth/refresh',
    summary: 'Exchange a refresh token for a new token pair (the old refresh token is spent)',
    access: 'public',
    body: refreshRequest,
    responses: {
      200: {
        description: 'A new pair',
        schema: z.object({ message: z.string(), token: z.string(), refresh_token: z.string(), expires_in: z.number(), token_type: z.literal('Bearer') }),
      },
      401: { description: 'Unknown, expired or reused refresh token (reuse ends the session)' },
    },
    example: { body: { refresh_token: 'l0bVvVh2m3y6Jw0nq3QbJm1a9sX8c7r5t4u3w2z1y0A' } },
    handler: refreshTokens,
  }),
  defineRoute({ method: 'POST', path: '/api/auth/logout', summary: 'End this session', access: 'user', handler: logout }),
  defineRoute({ method: 'POST', path: '/api/auth/logout-all', summary: 'End every session of the caller, this one included', access: 'user', handler: logoutEverywhere }),
  defineRoute({ method: 'GET', path: '/api/auth/sessions', summary: 'The caller’s active sessions (device, address, last use)', access: 'user', handler: listSessions }),
  defineRoute({ method: 'DELETE', path: '/api/auth/sessions/:id', summary: 'End one of the caller’s sessions', access: 'user', params: sessionId, handler: endSession }),
  defineRoute({
    method: 'GET',
    path: '/api/auth/sessions/revoked',
    summary: 'Sessions ended since a cursor (polled by the other services; ids only)',
    description:
      'Answers `{ revoked: [{ id, expires_at }], cursor, ended_users: [{ id, ended_at }], ended_admins: [{ id, ended_at }] }`. ' +
      'Pass the returned cursor as `since` next time; ' +
      'entries of the last 10 s are sent again, so keep them in a set. An entry stays listed until `expires_at`, ' +
      'when every access token of that session has expired anyway. To the services alone (their credential in ' +
      '`X-Qhitz-Service-Credential`) it also tells, whole on every answer, `ended_users`: the accounts deactivated ' +
      'within the lifetime of a signed download URL, whose signed URLs media and cloud refuse; and `ended_admins`, ' +
      'likewise, the accounts whose admin role was taken away, whose `as=admin` URLs media refuses.',
    access: 'public',
    quiet: true,
    query: revocationQuery,
    handler: listRevocations,
  }),
];
