// Creating and importing accounts outside HTTP: the first admin (`npm run users -- create`), the
// demo accounts of `make dev`, and the import of the Flask system's users table.
import { type DatabasePool, UniqueIntegrityConstraintViolationError } from 'slonik';
import { z } from 'zod';
import { insertUser, syncUserIdSequence, type User } from '../../db/auth/users.js';
import type { Role } from '../../db/auth/users.js';
import { fieldErrors } from '../field-errors.js';
import { email, username } from './account-fields.js';
import type { PasswordHasher } from './passwords.js';
import { passwordProblems } from './password-policy.js';

export class AccountInputError extends Error {}

export async function createAccount(
  pool: DatabasePool,
  passwords: PasswordHasher,
  input: { email: string; username: string; password: string; role: Role },
): Promise<User> {
  const parsed = z.object({ email, username }).safeParse(input);
  if (!parsed.success) {
    throw new AccountInputError(Object.entries(fieldErrors(parsed.error)).map(([field, messages]) => `${field} ${messages.join(', ')}`).join('; '));
  }
  const problems = passwordProblems(input.password, input);
  if (problems.length) throw new AccountInputError(`password ${problems.join(', ')}`);
  try {
    return await insertUser(pool, { ...parsed.data, passwordHash: await passwords.hash(input.password), role: input.role });
  } catch (error) {
    if (error instanceof UniqueIntegrityConstraintViolationError) throw new AccountInputError('that email or username is already registered');
    throw error;
  }
}

/** A timestamp as exported (ISO 8601 or PostgreSQL's text); an empty CSV cell is none. */
const exportedTime = z
  .string()
  .nullish()
  .transform((value) => value?.trim() || null)
  .refine((value) => value === null || !Number.isNaN(Date.parse(value)), 'is not a date and time');

/** A row of the Flask `users` table, as exported to JSON or CSV. */
const flaskUser = z.object({
  id: z.coerce.number().int().positive(),
  username,
  email,
  password_hash: z.string().min(10),
  created_at: exportedTime,
  last_login: exportedTime,
  is_active: z
    .union([z.boolean(), z.string()])
    .optional()
    .transform((value) => (typeof value === 'string' ? !['0', 'false', 'f', ''].includes(value.toLowerCase()) : (value ?? true))),
  role: z.enum(['user', 'staff', 'admin']).optional(),
  is_admin: z.union([z.boolean(), z.string()]).optional(),
});

export interface ImportReport {
  imported: number;
  skipped: Array<{ row: number; reason: string }>;
}

/**
 * Imports Flask users keeping their ids, timestamps and werkzeug hashes (upgraded at first login).
 * The id sequence moves past the imported ids even when the import stops early: otherwise the next
 * registration takes an imported id and is told its (new) username is taken.
 */
export async function importFlaskUsers(pool: DatabasePool, rows: unknown[]): Promise<ImportReport> {
  try {
    return await importRows(pool, rows);
  } finally {
    await syncUserIdSequence(pool);
  }
}

async function importRows(pool: DatabasePool, rows: unknown[]): Promise<ImportReport> {
  const report: ImportReport = { imported: 0, skipped: [] };
  for (const [index, raw] of rows.entries()) {
    const parsed = flaskUser.safeParse(raw);
    if (!parsed.success) {
      report.skipped.push({ row: index + 1, reason: Object.entries(fieldErrors(parsed.error)).map(([f, m]) => `${f} ${m.join(', ')}`).join('; ') });
      continue;
    }
    const user = parsed.data;
    const isAdmin = user.is_admin === true || (typeof user.is_admin === 'string' && ['1', 'true', 't'].includes(user.is_admin.toLowerCase()));
    try {
      await insertUser(pool, {
        id: user.id,
        username: user.username,
        email: user.email,
        passwordHash: user.password_hash,
        role: user.role ?? (isAdmin ? 'admin' : 'user'),
        createdAt: user.created_at ?? undefined,
        lastLogin: user.last_login,
        isActive: user.is_active,
      });
      report.imported++;
    } catch (error) {
      if (error instanceof UniqueIntegrityConstraintViolationError) {
        report.skipped.push({ row: index + 1, reason: `id, email or username already exists (${error.constraint})` });
        continue;
      }
      // A value PostgreSQL refuses (SQLSTATE class 22, e.g. 2020-02-30) skips its row; anything else stops the import.
      const code = ((error as { cause?: { code?: string } }).cause ?? (error as { code?: string })).code;
      if (!code?.startsWith('22')) throw error;
      report.skipped.push({ row: index + 1, reason: (error as Error).message });
    }
  }
  return report;
}

export const DEMO_ACCOUNTS = [
  { email: 'admin@qhitz.local', username: 'demo_admin', password: 'qhitz-demo-admin', role: 'admin' as const },
  { email: 'staff@qhitz.local', username: 'demo_staff', password: 'qhitz-demo-staff', role: 'staff' as const },
];

/** Development only: a demo admin and a demo staff account, created once. */
export async function ensureDemoAccounts(pool: DatabasePool, passwords: PasswordHasher): Promise<typeof DEMO_ACCOUNTS> {
  for (const account of DEMO_ACCOUNTS) {
    try {
      await createAccount(pool, passwords, account);
    } catch (error) {
      if (!(error instanceof AccountInputError)) throw error; // already there
    }
  }
  return DEMO_ACCOUNTS;
}
