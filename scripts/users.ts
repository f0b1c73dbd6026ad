// `npm run users -- create --email E --username U --password-stdin [--role user|staff|admin]`
// `npm run users -- import users.json|users.csv`   (an export of the Flask system's users table)
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseCsv } from 'csv-parse/sync';
import { AccountInputError, createAccount, importFlaskUsers } from '../core/auth/accounts-admin.js';
import { createPasswordHasher } from '../core/auth/passwords.js';
import { ROLES, type Role } from '../db/auth/users.js';
import { runWithConfig } from '../config/index.js';
import { migrate } from '../db/migrate.js';
import { createDatabasePool } from '../db/pool.js';
import { useDevDatabasesWhenUnset } from './lib/dev-databases.js';

const usage = `usage:
  npm run users -- create --email EMAIL --username NAME --password-stdin [--role user|staff|admin]
  npm run users -- import FILE.json|FILE.csv`;

useDevDatabasesWhenUnset();
await runWithConfig(async (config) => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { email: { type: 'string' }, username: { type: 'string' }, role: { type: 'string', default: 'user' }, 'password-stdin': { type: 'boolean' } },
  });
  const [command, file] = positionals;
  const pool = await createDatabasePool(config.databaseUrl('auth'));
  try {
    await migrate(pool, 'auth');
    if (command === 'create') {
      if (!values.email || !values.username || !values['password-stdin']) fail(usage);
      if (!ROLES.includes(values.role as Role)) fail(`--role must be one of ${ROLES.join(', ')}`);
      const password = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
      const passwords = createPasswordHasher({ memoryCost: config.ARGON2_MEMORY_KIB, timeCost: config.ARGON2_TIME_COST, parallelism: config.ARGON2_PARALLELISM, maxConcurrent: config.ARGON2_MAX_CONCURRENCY });
      const user = await createAccount(pool, passwords, { email: values.email!, username: values.username!, password, role: values.role as Role });
      console.log(`created ${user.role} #${user.id} ${user.username} <${user.email}>`);
    } else if (command === 'import' && file) {
      const text = readFileSync(file, 'utf8');
      const rows: unknown[] = file.endsWith('.csv') ? parseCsv(text, { columns: true, skip_empty_lines: true, trim: true }) : JSON.parse(text);
      if (!Array.isArray(rows)) fail('the JSON file must hold an array of user rows');
      const report = await importFlaskUsers(pool, rows);
      console.log(`imported ${report.imported} of ${rows.length} users`);
      for (const skipped of report.skipped) console.log(`  row ${skipped.row} skipped: ${skipped.reason}`);
    } else {
      fail(usage);
    }
  } catch (error) {
    if (error instanceof AccountInputError) fail(error.message);
    throw error;
  } finally {
    await pool.end();
  }
});

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
