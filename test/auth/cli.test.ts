// The users CLI as an operator runs it: a real process against the test database.
import { spawn } from 'node:child_process';
import { pbkdf2Sync, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../../scripts/lib/ports.js';
import { call } from '../support/http.js';
import { authApp, freshIp, from, newAccount } from './support.js';

function users(args: string[], stdin = '', env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/users.ts', ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

const cli = suite('npm run users');

cli('create makes an account of any role from a password on stdin', async () => {
  const id = randomUUID().slice(0, 8);
  const created = await users(['create', '--email', `boss.${id}@example.com`, '--username', `boss_${id}`, '--password-stdin', '--role', 'admin'], 'a long admin secret\n');
  assert.is(created.code, 0, created.output);
  assert.match(created.output, new RegExp(`created admin #\\d+ boss_${id}`));
  const app = await authApp();
  const login = await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: `boss.${id}@example.com`, password: 'a long admin secret' } }));
  assert.equal([login.status, login.body.user.role], [200, 'admin']);
  const weak = await users(['create', '--email', `x.${id}@example.com`, '--username', `x_${id}`, '--password-stdin'], 'password');
  assert.is(weak.code, 2);
  assert.match(weak.output, /password is one of the most common passwords/);
  const blank = await users(['create', '--email', `y.${id}@example.com`, '--username', `y_${id}`, '--password-stdin'], '          \n');
  assert.is(blank.code, 2);
  assert.match(blank.output, /password must not be only whitespace/);
});

/** The test run's environment as a second terminal beside `make dev` has it: no database URL set. */
function withoutDatabaseUrls(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.endsWith('_DATABASE_URL')));
  return { ...env, ...extra };
}

cli('in development, create finds the databases of make dev with no variable set; production still demands them', async () => {
  // The test cluster is an embedded PostgreSQL like make dev's, on its own port.
  const port = new URL(process.env.AUTH_DATABASE_URL!).port;
  const id = randomUUID().slice(0, 8);
  const args = (name: string) => ['create', '--email', `${name}.${id}@example.com`, '--username', `${name}_${id}`, '--password-stdin', '--role', 'admin'];
  const created = await users(args('first'), 'a long admin secret\n', withoutDatabaseUrls({ NODE_ENV: 'development', QHITZ_POSTGRES_PORT: port }));
  assert.is(created.code, 0, created.output);
  const login = await call(await authApp(), 'POST', '/api/auth/login', from(freshIp(), { json: { email: `first.${id}@example.com`, password: 'a long admin secret' } }));
  assert.equal([login.status, login.body.user.role], [200, 'admin']);

  const production = await users(args('prod'), 'a long admin secret\n', withoutDatabaseUrls({ NODE_ENV: 'production', QHITZ_POSTGRES_PORT: port, URL_SIGNING_SECRET: 'x'.repeat(40) }));
  assert.equal([production.code, production.output.trim()], [78, 'Configuration error: AUTH_DATABASE_URL is not set: the auth service needs a postgres:// connection URL.']);

  const nobody = await users(args('none'), 'a long admin secret\n', withoutDatabaseUrls({ NODE_ENV: 'development', QHITZ_POSTGRES_PORT: String(await freePort()) }));
  assert.is(nobody.code, 69, nobody.output);
  assert.match(nobody.output, /^No PostgreSQL answered at 127\.0\.0\.1:\d+: start `make dev` in another terminal first/);
});

cli('import loads a Flask users export (JSON or CSV), keeps ids and hashes, skips bad rows', async () => {
  const scratch = process.env.QHITZ_TEST_SCRATCH!;
  const base = 700_000_000 + Math.floor(Math.random() * 1_000_000);
  const hashOf = (password: string) => `pbkdf2:sha256:1000$salty$${pbkdf2Sync(password, 'salty', 1000, 32, 'sha256').toString('hex')}`;
  const jsonFile = join(scratch, `users-${base}.json`);
  writeFileSync(jsonFile, JSON.stringify([
    { id: base, username: `flask_${base}`, email: `flask.${base}@example.com`, password_hash: hashOf('old flask pass'), created_at: '2021-03-04T05:06:07Z', is_admin: true },
    { id: base + 1, username: 'x', email: 'broken', password_hash: 'short' },
  ]));
  const csvFile = join(scratch, `users-${base}.csv`);
  writeFileSync(csvFile, [
    'id,username,email,password_hash,created_at,last_login,is_active',
    `${base + 2},csv_${base},csv.${base}@example.com,${hashOf('csv pass 123')},2020-01-01 00:00:00+00,,true`,
    `${base + 3},late_${base},late.${base}@example.com,${hashOf('late pass 123')},2020-02-30 00:00:00+00,,true`,
    `${base + 4},blank_${base},blank.${base}@example.com,${hashOf('blank pass 123')},,,true`,
  ].join('\n'));

  const json = await users(['import', jsonFile]);
  assert.is(json.code, 0, json.output);
  assert.match(json.output, /imported 1 of 2 users/);
  assert.match(json.output, /row 2 skipped: /);
  const csv = await users(['import', csvFile]);
  assert.match(csv.output, /imported 2 of 3 users/, 'a date PostgreSQL refuses skips its row; an empty cell is no date');
  assert.match(csv.output, /row 2 skipped: /);

  const app = await authApp();
  const login = await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: `flask.${base}@example.com`, password: 'old flask pass' } }));
  assert.equal([login.status, login.body.user.id, login.body.user.role, login.body.user.created_at], [200, base, 'admin', '2021-03-04T05:06:07.000Z']);
  const csvLogin = await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { username: `csv_${base}`, password: 'csv pass 123' } }));
  assert.is(csvLogin.status, 200);
  // The id sequence moved past the imported ids: a new registration gets a fresh one, not a 409.
  assert.is((await call(app, 'POST', '/api/auth/register', from(freshIp(), { json: newAccount() }))).status, 201);
  const again = await users(['import', jsonFile]);
  assert.match(again.output, /imported 0 of 2 users/, 'a second import changes nothing');
});

cli.run();
