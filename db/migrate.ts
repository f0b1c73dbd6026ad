// Versioned SQL migrations: db/migrations/<database>/NNN_name.sql, applied in order, each in its own
// transaction, recorded in schema_migrations with a checksum. Safe to run twice and from several
// processes at once (an advisory lock serialises them). Editing an applied file is refused: write a
// new migration instead.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import type { ServiceName } from '../config/index.js';
import { splitSqlStatements } from './split-sql.js';

const migrationsRoot = fileURLToPath(new URL('./migrations/', import.meta.url));
const FILE_PATTERN = /^(\d{3,})_[a-z0-9_]+\.sql$/;
// Any constant works; it only has to be the same in every process that migrates.
const MIGRATION_LOCK_KEY = 727_001;
const lockedRow = z.object({ locked: z.boolean() });

export interface Migration {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

export async function listMigrations(service: ServiceName): Promise<Migration[]> {
  const folder = `${migrationsRoot}${service}_db/`;
  const names = (await readdir(folder)).filter((name) => name.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (name) => {
      const match = FILE_PATTERN.exec(name);
      if (!match) throw new Error(`Migration file name ${name} must look like 001_create_users.sql`);
      const text = await readFile(folder + name, 'utf8');
      return { version: match[1]!, name, sql: text, checksum: createHash('sha256').update(text).digest('hex') };
    }),
  );
}

/** Applies the pending migrations of one service's database; returns the names it applied. */
export async function migrate(pool: DatabasePool, service: ServiceName): Promise<string[]> {
  const migrations = await listMigrations(service);
  return pool.connect(async (connection) => {
    // Polled, not waited for in one statement: another process's long migration must not run this
    // wait into the pool's statement timeout.
    while (!(await connection.oneFirst(sql.type(lockedRow)`select pg_try_advisory_lock(${MIGRATION_LOCK_KEY}) as locked`))) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    try {
      await connection.query(sql.unsafe`
        create table if not exists schema_migrations (
          version text primary key,
          name text not null,
          checksum text not null,
          applied_at timestamptz not null default now()
        )`);
      const applied = await connection.any(
        sql.type(z.object({ version: z.string(), name: z.string(), checksum: z.string() }))`
          select version, name, checksum from schema_migrations`,
      );
      const appliedByVersion = new Map(applied.map((row) => [row.version, row]));
      const ran: string[] = [];
      for (const migration of migrations) {
        const previous = appliedByVersion.get(migration.version);
        if (previous) {
          if (previous.checksum !== migration.checksum) {
            throw new Error(
              `Migration ${migration.name} was changed after it ran on ${service}_db; add a new migration instead.`,
            );
          }
          continue;
        }
        await connection.transaction(async (transaction) => {
          // An index build on a big table may take longer than any request should; only this transaction waits.
          await transaction.query(sql.unsafe`set local statement_timeout = 0`);
          for (const statement of splitSqlStatements(migration.sql)) await transaction.query(rawSql(statement));
          await transaction.query(sql.unsafe`
            insert into schema_migrations (version, name, checksum)
            values (${migration.version}, ${migration.name}, ${migration.checksum})`);
        });
        ran.push(migration.name);
      }
      return ran;
    } finally {
      await connection.query(sql.unsafe`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
    }
  });
}

/**
 * One statement of a migration file. slonik only takes SQL text from template literals, to keep
 * values out of it; a migration file is trusted source code, so it is shaped as one.
 */
function rawSql(text: string) {
  const strings = Object.freeze(Object.assign([text], { raw: Object.freeze([text]) })) as unknown as TemplateStringsArray;
  return sql.unsafe(strings);
}
