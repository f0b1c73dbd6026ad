// Login throttling (in PostgreSQL, so several API instances share the counts) and the audit trail.
import { type CommonQueryMethods, type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import { countRow, idRow } from '../rows.js';

const waitsRow = z.object({ account_wait: z.number().nullable(), ip_wait: z.number().nullable() });

/**
 * Takes a login attempt for this identifier from this address before its password is checked: the
 * attempt counts as a failure until the session it opens marks it succeeded. Or the seconds to wait.
 * Attempts for one account, and from one address, queue on transaction locks for the count and the
 * insert (not for the hash), so logins sent at once cannot all pass a count taken before any of them
 * was recorded.
 */
export async function takeLoginAttempt(pool: DatabasePool, identifier: string, ip: string, limits: ThrottleLimits): Promise<{ attemptId: number } | { wait: number }> {
  return pool.transaction(async (transaction) => {
    // Always the account first, then the address: no two logins wait for each other in a circle.
    await transaction.query(sql.unsafe`select pg_advisory_xact_lock(hashtext(${`login-account:${identifier.toLowerCase()}`}))`);
    await transaction.query(sql.unsafe`select pg_advisory_xact_lock(hashtext(${`login-ip:${ip}`}))`);
    const wait = await secondsUntilLoginAllowed(transaction, identifier, ip, limits);
    if (wait > 0) return { wait };
    const attemptId = await transaction.oneFirst(sql.type(idRow)`
      insert into login_attempts (identifier, ip, succeeded) values (lower(${identifier}), ${ip}, false) returning id`);
    return { attemptId };
  });
}

/** The password was right: the attempt no longer counts as a failure, and resets the account's count. */
export async function markLoginAttemptSucceeded(db: CommonQueryMethods, attemptId: number): Promise<void> {
  await db.query(sql.unsafe`update login_attempts set succeeded = true where id = ${attemptId}`);
}

export interface ThrottleLimits {
  windowSeconds: number;
  maxPerAccount: number;
  maxPerIp: number;
}

/**
 * Seconds until the next attempt is allowed, or 0. Account failures count since the last success
 * (a success resets them); IP failures count over the whole window. Nothing locks an account for
 * good: that would let anyone lock a victim out.
 */
export async function secondsUntilLoginAllowed(db: CommonQueryMethods, identifier: string, ip: string, limits: ThrottleLimits) {
  const row = await db.one(sql.type(waitsRow)`
    with window_start as (select now() - make_interval(secs => ${limits.windowSeconds}) as at),
    account as (
      select attempted_at from login_attempts, window_start
      where identifier = lower(${identifier}) and not succeeded and attempted_at > window_start.at
        and attempted_at > coalesce((select max(attempted_at) from login_attempts
                                     where identifier = lower(${identifier}) and succeeded), '-infinity')
      order by attempted_at desc
      limit ${limits.maxPerAccount}
    ),
    by_ip as (
      select attempted_at from login_attempts, window_start
      where ip = ${ip} and not succeeded and attempted_at > window_start.at
      order by attempted_at desc
      limit ${limits.maxPerIp}
    )
    select
      case when (select count(*) from account) >= ${limits.maxPerAccount}
        then extract(epoch from (select min(attempted_at) from account) + make_interval(secs => ${limits.windowSeconds}) - now()) end::float8 as account_wait,
      case when (select count(*) from by_ip) >= ${limits.maxPerIp}
        then extract(epoch from (select min(attempted_at) from by_ip) + make_interval(secs => ${limits.windowSeconds}) - now()) end::float8 as ip_wait`);
  return Math.max(0, row.account_wait ?? 0, row.ip_wait ?? 0);
}

export interface AuditEntry {
  event: string;
  userId?: number | null;
  actorId?: number | null;
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
}

export async function audit(db: CommonQueryMethods, entry: AuditEntry): Promise<void> {
  await db.query(sql.unsafe`
    insert into audit_events (event, user_id, actor_id, ip, user_agent, details)
    values (${entry.event}, ${entry.userId ?? null}, ${entry.actorId ?? null}, ${entry.ip ?? null},
            ${entry.userAgent?.slice(0, 512) ?? null}, ${sql.jsonb(JSON.parse(JSON.stringify(entry.details ?? {})))})`);
}

export const auditRow = z.object({
  id: z.number(),
  occurred_at: z.string(),
  event: z.string(),
  user_id: z.number().nullable(),
  actor_id: z.number().nullable(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

export async function listAuditEvents(
  db: CommonQueryMethods,
  options: { userId?: number; event?: string; page: number; perPage: number },
) {
  const conditions = [sql.fragment`true`];
  if (options.userId !== undefined) conditions.push(sql.fragment`user_id = ${options.userId}`);
  if (options.event) conditions.push(sql.fragment`event = ${options.event}`);
  const where = sql.join(conditions, sql.fragment` and `);
  const [events, total] = await Promise.all([
    db.any(sql.type(auditRow)`
      select id, occurred_at, event, user_id, actor_id, ip, user_agent, details from audit_events
      where ${where} order by id desc limit ${options.perPage} offset ${(options.page - 1) * options.perPage}`),
    db.oneFirst(sql.type(countRow)`select count(*)::int as count from audit_events where ${where}`),
  ]);
  return { events, total };
}

export async function pruneAuditEvents(db: CommonQueryMethods, retentionDays: number): Promise<number> {
  const result = await db.query(sql.unsafe`delete from audit_events where occurred_at < now() - make_interval(days => ${retentionDays})`);
  return result.rowCount;
}

export async function pruneLoginAttempts(db: CommonQueryMethods, windowSeconds: number): Promise<void> {
  await db.query(sql.unsafe`delete from login_attempts where attempted_at < now() - make_interval(secs => ${windowSeconds * 2})`);
}
