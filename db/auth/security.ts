// Login throttling (in PostgreSQL, so several API instances share the counts) and the audit trail.
import { type CommonQueryMethods, type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import { countRow, idRow } from '../rows.js';

export interface ThrottleLimits {
  windowSeconds: number;
  maxPerAccountAndIp: number;
  maxPerAccount: number;
  maxAccountsPerIp: number;
}

/** Who is trying: the account (`account:<id>`, or a key standing for a name no account has) and from where. */
export interface LoginSource {
  accountKey: string;
  ip: string;
}

export type ThrottledBy = 'account_and_ip' | 'account' | 'ip';

const waitsRow = z.object({ account_and_ip: z.number().nullable(), account: z.number().nullable(), ip: z.number().nullable() });

/**
 * Takes a login attempt before its password is checked: the attempt counts as a failure until the
 * session it opens marks it succeeded. Or the seconds to wait, and which limit says so. Attempts for
 * one account, and from one address, queue on transaction locks for the count and the insert (not
 * for the hash), so logins sent at once, from several API processes too, cannot all pass a count
 * taken before any of them was recorded.
 */
export async function takeLoginAttempt(
  pool: DatabasePool,
  source: LoginSource,
  limits: ThrottleLimits,
): Promise<{ attemptId: number } | { wait: number; throttledBy: ThrottledBy }> {
  return pool.transaction(async (transaction) => {
    // Always the account first, then the address: no two logins wait for each other in a circle.
    await transaction.query(sql.unsafe`select pg_advisory_xact_lock(hashtext(${`login-account:${source.accountKey}`}))`);
    await transaction.query(sql.unsafe`select pg_advisory_xact_lock(hashtext(${`login-ip:${source.ip}`}))`);
    const waits = await secondsUntilLoginAllowed(transaction, source, limits);
    const longest = (Object.keys(waits) as ThrottledBy[]).reduce((a, b) => ((waits[b] ?? 0) > (waits[a] ?? 0) ? b : a));
    const wait = waits[longest] ?? 0;
    if (wait > 0) return { wait, throttledBy: longest };
    const attemptId = await transaction.oneFirst(sql.type(idRow)`
      insert into login_attempts (account_key, ip, succeeded) values (${source.accountKey}, ${source.ip}, false) returning id`);
    return { attemptId };
  });
}

/** The password was right: the attempt no longer counts as a failure, nor do the account's earlier ones from that address. */
export async function markLoginAttemptSucceeded(db: CommonQueryMethods, attemptId: number): Promise<void> {
  await db.query(sql.unsafe`update login_attempts set succeeded = true where id = ${attemptId}`);
}

/**
 * Seconds each limit still asks this login to wait (null or ≤ 0: none). Counted are the failures
 * within the window not followed by a login of the same account from the same address (a typo
 * followed by the right password is forgiven there, and only there):
 * - of this account from this address: at `maxPerAccountAndIp`, that address waits for that account
 *   until the oldest of them leaves the window. Anyone's typos elsewhere never touch other accounts.
 * - of this account from every address: at `maxPerAccount`, the account waits the same way (guessing
 *   spread over many addresses). A higher bound, so one address alone cannot lock an owner out.
 * - of distinct accounts from this address (credential stuffing): from `maxAccountsPerIp` on, each
 *   next attempt from it waits 1 s after the latest failure, doubling with every further account, at
 *   most the window. A delay, not a wall: a practice behind one address keeps logging in, slowly.
 * A name no account has counts like an account, so none of this tells whether an account exists.
 */
export function secondsUntilLoginAllowed(db: CommonQueryMethods, source: LoginSource, limits: ThrottleLimits) {
  const { accountKey, ip } = source;
  return db.one(sql.type(waitsRow)`
    with recent as materialized (
      select account_key, ip, attempted_at, succeeded from login_attempts
      where attempted_at > now() - make_interval(secs => ${limits.windowSeconds})
        and (account_key = ${accountKey} or ip = ${ip})
    ),
    open_failures as (
      select failure.account_key, failure.ip, failure.attempted_at from recent failure
      where not failure.succeeded and not exists (
        select 1 from recent success
        where success.succeeded and success.account_key = failure.account_key and success.ip = failure.ip
          and success.attempted_at > failure.attempted_at)
    ),
    address as (
      select count(distinct account_key)::int as accounts, max(attempted_at) as latest from open_failures where ip = ${ip}
    )
    select
      (select extract(epoch from attempted_at - now()) + ${limits.windowSeconds} from open_failures
       where account_key = ${accountKey} and ip = ${ip}
       order by attempted_at desc offset ${limits.maxPerAccountAndIp - 1} limit 1)::float8 as account_and_ip,
      (select extract(epoch from attempted_at - now()) + ${limits.windowSeconds} from open_failures
       where account_key = ${accountKey}
       order by attempted_at desc offset ${limits.maxPerAccount - 1} limit 1)::float8 as account,
      (select extract(epoch from latest - now()) + least(${limits.windowSeconds}, power(2, least(accounts - ${limits.maxAccountsPerIp}, 30)))
       from address where accounts >= ${limits.maxAccountsPerIp})::float8 as ip`);
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
