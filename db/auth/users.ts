// Queries on accounts. The public user shape never includes the password hash.
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { containing } from '../like.js';
import { countRow, pageWithTotal } from '../rows.js';

/** The roles an account can have, weakest first (the users table's check constraint holds the same). */
export const ROLES = ['user', 'staff', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const userRow = z.object({
  id: z.number(),
  username: z.string(),
  email: z.string(),
  role: z.enum(ROLES),
  created_at: z.string(),
  last_login: z.string().nullable(),
  is_active: z.boolean(),
});
export type User = z.infer<typeof userRow>;
const userWithHash = userRow.extend({ password_hash: z.string() });
const userPageRow = userRow.extend({ total: z.number() });

const USER_COLUMNS = sql.fragment`id, username, email, role, created_at, last_login, is_active`;

/**
 * What an email or username typed at login is compared as: NFC, lower-cased. Done here rather than by
 * PostgreSQL's lower(), so an identifier and the throttling key of a name no account has (see
 * api/auth/login-throttle.ts) are the same string: two spellings either name one account or share
 * one key. Stored emails and usernames are ASCII, for which both lower-case alike.
 */
export function normalizeLoginIdentifier(identifier: string): string {
  return identifier.normalize('NFC').toLowerCase();
}

/** By email or username, case-insensitively. */
export function findUserForLogin(db: CommonQueryMethods, identifier: string) {
  const normalized = normalizeLoginIdentifier(identifier);
  return db.maybeOne(sql.type(userWithHash)`
    select ${USER_COLUMNS}, password_hash from users
    where lower(email) = ${normalized} or lower(username) = ${normalized}
    order by (lower(email) = ${normalized}) desc
    limit 1`);
}

export function findUserById(db: CommonQueryMethods, id: number) {
  return db.maybeOne(sql.type(userRow)`select ${USER_COLUMNS} from users where id = ${id}`);
}

export function findUserWithHash(db: CommonQueryMethods, id: number) {
  return db.maybeOne(sql.type(userWithHash)`select ${USER_COLUMNS}, password_hash from users where id = ${id}`);
}

export interface NewUser {
  username: string;
  email: string;
  passwordHash: string;
  role?: User['role'];
  /** Imported accounts keep their Flask ids and timestamps. */
  id?: number;
  createdAt?: string;
  lastLogin?: string | null;
  isActive?: boolean;
}

export function insertUser(db: CommonQueryMethods, user: NewUser) {
  return db.one(sql.type(userRow)`
    insert into users (id, username, email, password_hash, role, created_at, last_login, is_active)
    values (
      coalesce(${user.id ?? null}::bigint, nextval(pg_get_serial_sequence('users', 'id'))),
      ${user.username}, ${user.email}, ${user.passwordHash}, ${user.role ?? 'user'},
      coalesce(${user.createdAt ?? null}::timestamptz, now()), ${user.lastLogin ?? null}, ${user.isActive ?? true})
    returning ${USER_COLUMNS}`);
}

/** After importing rows with explicit ids, new accounts must not collide with them. */
export async function syncUserIdSequence(db: CommonQueryMethods): Promise<void> {
  await db.query(sql.unsafe`select setval(pg_get_serial_sequence('users', 'id'), greatest((select max(id) from users), 1))`);
}

/** Sets the hash; with `replacing`, only if the account still has that one (a rehash must not undo a password change). */
export async function setPasswordHash(db: CommonQueryMethods, id: number, passwordHash: string, replacing?: string): Promise<void> {
  await db.query(sql.unsafe`update users set password_hash = ${passwordHash}, updated_at = now()
    where id = ${id} ${replacing === undefined ? sql.fragment`` : sql.fragment`and password_hash = ${replacing}`}`);
}

export function updateProfile(db: CommonQueryMethods, id: number, changes: { username?: string; email?: string }) {
  return db.one(sql.type(userRow)`
    update users set
      username = coalesce(${changes.username ?? null}, username),
      email = coalesce(${changes.email ?? null}, email),
      updated_at = now()
    where id = ${id}
    returning ${USER_COLUMNS}`);
}

/** Changes role and/or activity; taking admin away records when (see recentlyDemotedAdmins). */
export function updateAccount(db: CommonQueryMethods, id: number, changes: { role?: User['role']; isActive?: boolean }) {
  return db.maybeOne(sql.type(userRow)`
    update users set
      role = coalesce(${changes.role ?? null}, role),
      -- On the right of SET, role is the value before this update.
      admin_ended_at = case when role = 'admin' and coalesce(${changes.role ?? null}, role) <> 'admin' then now() else admin_ended_at end,
      is_active = coalesce(${changes.isActive ?? null}::boolean, is_active),
      updated_at = now()
    where id = ${id}
    returning ${USER_COLUMNS}`);
}

export async function listUsers(db: CommonQueryMethods, options: { search?: string; page: number; perPage: number }) {
  const filter = options.search
    ? sql.fragment`where username ilike ${containing(options.search)} or email ilike ${containing(options.search)}`
    : sql.fragment``;
  const rows = await db.any(sql.type(userPageRow)`
    select ${USER_COLUMNS}, count(*) over ()::int as total from users ${filter}
    order by id
    limit ${options.perPage} offset ${(options.page - 1) * options.perPage}`);
  const { rows: users, total } = await pageWithTotal(rows, options.page, () =>
    db.oneFirst(sql.type(countRow)`select count(*)::int as count from users ${filter}`));
  return { users, total };
}
