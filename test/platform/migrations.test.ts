import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sql } from 'slonik';
import { z } from 'zod';
import { SERVICES } from '../../config/index.js';
import { listMigrations, migrate } from '../../db/migrate.js';
import { createDatabasePool } from '../../db/pool.js';
import { splitSqlStatements } from '../../db/split-sql.js';
import { getStack } from '../support/stack.js';

const migrations = suite('migrations');

migrations('running them again applies nothing and records every file once', async () => {
  const { pools } = await getStack();
  for (const service of SERVICES) {
    assert.equal(await migrate(pools[service], service), [], `${service}_db should be up to date`);
    const recorded = await pools[service].oneFirst(sql.type(z.object({ count: z.number() }))`select count(*)::int as count from schema_migrations`);
    assert.is(recorded, (await listMigrations(service)).length, `${service}_db records each migration once`);
  }
});

migrations('an applied migration that was edited afterwards is refused', async () => {
  const { pools } = await getStack();
  const pool = pools.media;
  const original = await pool.oneFirst(sql.type(z.object({ checksum: z.string() }))`select checksum from schema_migrations where version = '001'`);
  await pool.query(sql.unsafe`update schema_migrations set checksum = 'edited' where version = '001'`);
  try {
    await migrate(pool, 'media');
    assert.unreachable('migrate should refuse an edited migration');
  } catch (error) {
    assert.match((error as Error).message, /001_media_files\.sql was changed after it ran/);
  } finally {
    await pool.query(sql.unsafe`update schema_migrations set checksum = ${original} where version = '001'`);
  }
});

migrations('two processes migrating a fresh database at once apply each file exactly once', async () => {
  const { pools, config } = await getStack();
  const name = `migrate_race_${process.pid}_${Date.now()}`;
  await pools.auth.query(sql.unsafe`create database ${sql.identifier([name])}`);
  const url = config.databaseUrl('dental').replace(/\/dental_db$/, `/${name}`);
  const first = await createDatabasePool(url);
  const second = await createDatabasePool(url);
  try {
    const [a, b] = await Promise.all([migrate(first, 'dental'), migrate(second, 'dental')]);
    const all = (await listMigrations('dental')).map((migration) => migration.name);
    assert.equal([...a, ...b].sort(), all, 'every migration applied once, by one of the two');
    const exclusion = await first.oneFirst(
      sql.type(z.object({ count: z.number() }))`select count(*)::int as count from pg_constraint where contype = 'x'`,
    );
    assert.ok(exclusion >= 2, 'the double-booking exclusion constraints exist');
  } finally {
    await first.end();
    await second.end();
    await pools.auth.query(sql.unsafe`drop database ${sql.identifier([name])}`);
  }
});

migrations('statements are split at top-level semicolons only', () => {
  const script = `
    -- a comment; with a semicolon
    create table t (a text default 'x;y', "b;c" int); /* block; comment */
    create function f() returns int language plpgsql as $$ begin return 1; end; $$;
    insert into t (a) values ('it''s; fine');
  `;
  const statements = splitSqlStatements(script);
  assert.is(statements.length, 3);
  assert.match(statements[0]!, /^-- a comment; with a semicolon\s+create table t/);
  assert.match(statements[1]!, /\$\$ begin return 1; end; \$\$$/);
  assert.match(statements[2]!, /'it''s; fine'\)$/);
});

migrations.run();
