// Sessions, their refresh tokens, and the feed of ended sessions other services poll.
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { idRow, uuidRow } from '../rows.js';
import { userRow } from './users.js';

const activeRow = z.object({ active: z.boolean() });
const revocationRow = z.object({ feed_id: z.number(), id: z.string(), expires_at: z.string() });
const endedUserRow = z.object({ id: z.number(), ended_at: z.string() });

export type EndReason = 'logout' | 'logout_all' | 'password_changed' | 'deactivated' | 'role_changed' | 'refresh_reuse' | 'ended_by_user';

const sessionRow = z.object({
  id: z.string(),
  created_at: z.string(),
  last_used_at: z.string(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
});

const openedRow = z.object({ id: z.string(), role: userRow.shape.role });

/**
 * Everything a successful login writes — the attempt marked succeeded (resetting the throttle),
 * last_login, the session, its first refresh token and the audit event — in one statement: one round
 * trip and one WAL flush instead of five. Only for the account as the password check saw it: still
 * active and with the hash that was verified. A password change or deactivation that landed during
 * the check ended every session, this one included, so none is opened (null). The role is read here,
 * not before the check, for the same reason.
 */
export function openSession(
  db: CommonQueryMethods,
  login: {
    userId: number;
    verifiedHash: string;
    attemptId: number;
    client: { ip: string | null; userAgent: string | null };
    refreshTokenHash: Buffer;
    refreshTtlSeconds: number;
    details?: Record<string, unknown>;
  },
) {
  const userAgent = login.client.userAgent?.slice(0, 512) ?? null;
  return db.maybeOne(sql.type(openedRow)`
    with account as (
      select id, role from users where id = ${login.userId} and is_active and password_hash = ${login.verifiedHash}
    ), session as (
      insert into sessions (user_id, ip, user_agent) select id, ${login.client.ip}, ${userAgent} from account
      returning id
    ), refresh as (
      insert into refresh_tokens (session_id, token_hash, expires_at)
      select id, ${sql.binary(login.refreshTokenHash)}, now() + make_interval(secs => ${login.refreshTtlSeconds}) from session
    ), attempt as (
      update login_attempts set succeeded = true where id = ${login.attemptId} and exists (select 1 from session)
    ), seen as (
      update users set last_login = now() where id = ${login.userId} and exists (select 1 from session)
    ), audited as (
      insert into audit_events (event, user_id, ip, user_agent, details)
      select 'login', ${login.userId}, ${login.client.ip}, ${userAgent},
             ${sql.jsonb(JSON.parse(JSON.stringify(login.details ?? {})))}::jsonb || jsonb_build_object('session_id', session.id)
      from session
    )
    select session.id, account.role from session, account`);
}

export function listActiveSessions(db: CommonQueryMethods, userId: number) {
  return db.any(sql.type(sessionRow)`
    select id, created_at, last_used_at, ip, user_agent from sessions
    where user_id = ${userId} and ended_at is null
    order by last_used_at desc`);
}

export async function isSessionActive(db: CommonQueryMethods, sessionId: string): Promise<boolean> {
  const active = await db.maybeOneFirst(sql.type(activeRow)`
    select s.ended_at is null and u.is_active as active
    from sessions s join users u on u.id = s.user_id
    where s.id = ${sessionId}`);
  return active === true;
}

/**
 * Ends sessions and publishes them in the revocation feed. `expiresAt` of a feed entry is when the
 * last access token of that session can expire. Returns the ids it ended.
 */
export async function endSessions(
  db: CommonQueryMethods,
  which: { sessionId: string; userId?: number } | { userId: number; exceptSessionId?: string },
  reason: EndReason,
  accessTokenTtlSeconds: number,
): Promise<string[]> {
  const condition =
    'sessionId' in which
      ? sql.fragment`id = ${which.sessionId}${which.userId === undefined ? sql.fragment`` : sql.fragment` and user_id = ${which.userId}`}`
      : sql.fragment`user_id = ${which.userId}${which.exceptSessionId ? sql.fragment` and id <> ${which.exceptSessionId}` : sql.fragment``}`;
  const ended = await db.anyFirst(sql.type(uuidRow)`
    with ended as (
      update sessions set ended_at = now(), end_reason = ${reason}
      where ${condition} and ended_at is null
      returning id
    ), published as (
      insert into session_revocations (session_id, expires_at)
      select id, now() + make_interval(secs => ${accessTokenTtlSeconds}) from ended
    )
    select id from ended`);
  return [...ended];
}

/** Entries in one answer of the feed; a full page means more follow (see the route's cursor). */
export const REVOCATIONS_PER_PAGE = 5000;

export function revokedSince(db: CommonQueryMethods, cursor: number) {
  return db.any(sql.type(revocationRow)`
    select id as feed_id, session_id::text as id, expires_at from session_revocations
    where id > ${cursor} and expires_at > now()
    order by feed_id -- not "id": in ORDER BY that names the output column, the session's uuid
    limit ${REVOCATIONS_PER_PAGE}`);
}

/**
 * Accounts deactivated within the last `withinSeconds` (their last change is the deactivation, or a
 * later one): the other services refuse the signed URLs made for them. A handful at most, so the
 * whole list goes with every poll.
 */
export function recentlyDeactivatedUsers(db: CommonQueryMethods, withinSeconds: number) {
  return db.any(sql.type(endedUserRow)`
    select id, updated_at as ended_at from users
    where not is_active and updated_at > now() - make_interval(secs => ${withinSeconds})`);
}

/**
 * Accounts whose admin role was taken away within the last `withinSeconds` and that are not admin
 * again: media refuses the `as=admin` URLs signed for them before. As few as deactivations.
 */
export function recentlyDemotedAdmins(db: CommonQueryMethods, withinSeconds: number) {
  return db.any(sql.type(endedUserRow)`
    select id, admin_ended_at as ended_at from users
    where role <> 'admin' and admin_ended_at > now() - make_interval(secs => ${withinSeconds})`);
}

/**
 * The cursor to hand out after a poll. Identity values are taken at insert, not at commit, so a slow
 * transaction can commit an id below one a reader has already passed. The cursor therefore lags
 * `overlapSeconds` behind: recent entries are sent again (harmless: readers keep a set), late
 * commits are not skipped.
 */
export function settledRevocationCursor(db: CommonQueryMethods, since: number, overlapSeconds: number) {
  return db.oneFirst(sql.type(idRow)`
    select greatest(${since}::bigint, coalesce(max(id), 0))::bigint as id from session_revocations
    where revoked_at < now() - make_interval(secs => ${overlapSeconds})`);
}

// --- refresh tokens ---------------------------------------------------------------------------

export async function storeRefreshToken(db: CommonQueryMethods, sessionId: string, tokenHash: Buffer, ttlSeconds: number) {
  await db.query(sql.unsafe`
    insert into refresh_tokens (session_id, token_hash, expires_at)
    values (${sessionId}, ${sql.binary(tokenHash)}, now() + make_interval(secs => ${ttlSeconds}))
    on conflict (token_hash) do nothing`);
}

const refreshRow = z.object({
  id: z.number(),
  session_id: z.string(),
  user_id: z.number(),
  expired: z.boolean(),
  used_seconds_ago: z.number().nullable(),
  session_ended: z.boolean(),
  user_active: z.boolean(),
});

/** Looks the token up and marks it used, in one statement, so two concurrent uses cannot both be first. */
export function useRefreshToken(db: CommonQueryMethods, tokenHash: Buffer) {
  return db.maybeOne(sql.type(refreshRow)`
    with found as (
      select r.id, r.used_at from refresh_tokens r where r.token_hash = ${sql.binary(tokenHash)} for update
    ), marked as (
      update refresh_tokens r set used_at = coalesce(r.used_at, now())
      from found where r.id = found.id
      returning r.id, r.session_id, r.expires_at
    )
    select m.id, m.session_id::text as session_id, s.user_id, m.expires_at < now() as expired,
           extract(epoch from now() - found.used_at)::float8 as used_seconds_ago,
           s.ended_at is not null as session_ended, u.is_active as user_active
    from marked m
    join found on found.id = m.id
    join sessions s on s.id = m.session_id
    join users u on u.id = s.user_id`);
}

export async function touchSession(db: CommonQueryMethods, sessionId: string, client: { ip: string | null }): Promise<void> {
  await db.query(sql.unsafe`update sessions set last_used_at = now(), ip = coalesce(${client.ip}, ip) where id = ${sessionId}`);
}
