import { pbkdf2Sync, scryptSync } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import { sql } from 'slonik';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { passwordProblems } from '../../core/auth/password-policy.js';
import { insertUser } from '../../db/auth/users.js';
import { call } from '../support/http.js';
import { getStack } from '../support/stack.js';
import { authApp, freshIp, from, loggedIn, newAccount, registered } from './support.js';

const accounts = suite('accounts: register, login, profile');

accounts('register answers 201 with the user and never its hash; taken email or username is 409', async () => {
  const app = await authApp();
  const account = newAccount();
  const created = await call(app, 'POST', '/api/auth/register', from(freshIp(), { json: account }));
  assert.is(created.status, 201);
  assert.is(created.body.message, 'User registered successfully');
  assert.equal(Object.keys(created.body.user).sort(), ['created_at', 'email', 'id', 'is_active', 'last_login', 'role', 'username']);
  assert.is(created.body.user.role, 'user');
  assert.not.match(created.text, /argon2|password/);

  const sameEmail = await call(app, 'POST', '/api/auth/register', from(freshIp(), {
    json: { ...newAccount(), email: account.email.toUpperCase() },
  }));
  assert.equal([sameEmail.status, sameEmail.body.details.field], [409, 'email']);
  const sameName = await call(app, 'POST', '/api/auth/register', from(freshIp(), {
    json: { ...newAccount(), username: account.username.toUpperCase() },
  }));
  assert.equal([sameName.status, sameName.body.details.field], [409, 'username']);
});

accounts('register explains every bad field', async () => {
  const app = await authApp();
  const bad = await call(app, 'POST', '/api/auth/register', from(freshIp(), { json: { username: 'a/', email: 'not-an-email', password: 'short' } }));
  assert.is(bad.status, 422);
  assert.equal(Object.keys(bad.body.details.fields).sort(), ['email', 'username']);
  const account = newAccount();
  for (const password of ['password123', account.email, account.username.toUpperCase(), 'x'.repeat(1025), 'seven77']) {
    const weak = await call(app, 'POST', '/api/auth/register', from(freshIp(), { json: { ...account, password } }));
    assert.is(weak.status, 422, `refuses ${password.slice(0, 20)}`);
    assert.ok(weak.body.details.fields.password.length >= 1);
  }
});

accounts('login by email or username returns a working token pair', async () => {
  const app = await authApp();
  const user = await registered(app);
  for (const credentials of [{ email: user.email.toLowerCase() }, { username: user.username }]) {
    const login = await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { ...credentials, password: user.password } }));
    assert.is(login.status, 200);
    assert.is(login.body.message, 'Login successful');
    assert.is(login.body.token_type, 'Bearer');
    assert.is(login.body.expires_in, 900);
    assert.type(login.body.refresh_token, 'string');
    assert.is(login.body.user.id, user.id);
    assert.ok(login.body.user.last_login);
    const verify = await call(app, 'GET', '/api/auth/verify', { token: login.body.token });
    assert.equal([verify.status, verify.body.valid, verify.body.user.id], [200, true, user.id]);
  }
  const stack = await getStack();
  const remote = await stack.guard.requireUser({ req: new Request('http://x', { headers: { authorization: `Bearer ${(await loggedIn(app)).token}` } }), context: {} } as never);
  assert.ok(remote.id > 0, 'other services accept the token through the JWKS');
});

accounts('a wrong password and an unknown email get the same answer, both after an argon2 verification', async () => {
  const app = await authApp();
  const user = await registered(app);
  const timed = async (json: object) => {
    const started = performance.now();
    const response = await call(app, 'POST', '/api/auth/login', from(freshIp(), { json }));
    return { ms: performance.now() - started, response };
  };
  const wrong: number[] = [];
  const unknown: number[] = [];
  for (let round = 0; round < 4; round++) {
    const a = await timed({ email: user.email, password: `wrong ${round}` });
    const b = await timed({ email: `nobody-${round}-${user.email}`, password: `wrong ${round}` });
    assert.equal([a.response.status, a.response.body], [401, { message: 'Invalid credentials', error: 'invalid_credentials' }]);
    assert.equal([b.response.status, b.response.body], [401, { message: 'Invalid credentials', error: 'invalid_credentials' }]);
    wrong.push(a.ms);
    unknown.push(b.ms);
  }
  const median = (values: number[]) => values.sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
  const [w, u] = [median(wrong), median(unknown)];
  // Not a speed test: without the dummy verification an unknown email answers ~30× faster (no argon2
  // at all). A factor of 3 either way tells that apart however loaded the machine is.
  assert.ok(u > w / 3 && w > u / 3, `wrong password ${w.toFixed(1)} ms vs unknown email ${u.toFixed(1)} ms`);

  // An imported Flask account not yet upgraded (werkzeug pbkdf2, 600,000 rounds: a few times argon2's
  // time) fails in as long as the others: every failed check is padded to the same floor.
  const { pools } = await getStack();
  const flask = newAccount();
  const salt = 'FlaskSalt';
  await insertUser(pools.auth, { username: flask.username, email: flask.email, passwordHash: `pbkdf2:sha256:600000$${salt}$${pbkdf2Sync(flask.password, salt, 600_000, 32, 'sha256').toString('hex')}` });
  const imported: number[] = [];
  for (let round = 0; round < 4; round++) imported.push((await timed({ email: flask.email, password: `wrong ${round}` })).ms);
  const i = median(imported);
  assert.ok(i < u * 1.5 && u < i * 1.5, `imported account ${i.toFixed(1)} ms vs unknown email ${u.toFixed(1)} ms`);
});

accounts('accounts imported from Flask log in with their werkzeug hashes, which become argon2id', async () => {
  const app = await authApp();
  const { pools } = await getStack();
  const pbkdf2Hash = `pbkdf2:sha256:60000$NaClSalt$${pbkdf2Sync('flask pbkdf2 pass', 'NaClSalt', 60000, 32, 'sha256').toString('hex')}`;
  const scryptHash = `scrypt:16384:8:1$ScryptSalt$${scryptSync('flask scrypt pass', 'ScryptSalt', 64, { N: 16384, r: 8, p: 1 }).toString('hex')}`;
  const weakArgon = await hash('weak argon pass', { memoryCost: 8192, timeCost: 1, parallelism: 1 });
  for (const [password, passwordHash] of [['flask pbkdf2 pass', pbkdf2Hash], ['flask scrypt pass', scryptHash], ['weak argon pass', weakArgon]] as const) {
    const account = newAccount();
    const user = await insertUser(pools.auth, { username: account.username, email: account.email, passwordHash });
    const wrong = await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: account.email, password: 'not it at all' } }));
    assert.is(wrong.status, 401);
    const login = await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: account.email, password } }));
    assert.is(login.status, 200, `logs in with ${passwordHash.slice(0, 12)}`);
    const stored = await pools.auth.oneFirst(sql.type(z.object({ password_hash: z.string() }))`select password_hash from users where id = ${user.id}`);
    assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, 'upgraded to argon2id at our cost');
    const again = await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: account.email, password } }));
    assert.is(again.status, 200, 'still logs in after the upgrade');
  }
});

accounts('profile reads and changes the caller’s own account only', async () => {
  const app = await authApp();
  const user = await loggedIn(app);
  const other = await registered(app);
  const profile = await call(app, 'GET', '/api/auth/profile', { token: user.token });
  assert.equal([profile.status, profile.body.user.id], [200, user.id]);
  // The Flask system answered the account at the top level; its clients read it there.
  const { user: nested, ...topLevel } = profile.body;
  assert.equal(topLevel, nested);
  assert.equal(Object.keys(nested).sort(), ['created_at', 'email', 'id', 'is_active', 'last_login', 'role', 'username']);
  const renamed = await call(app, 'PUT', '/api/auth/profile', { token: user.token, json: { username: `${user.username}_2`, user_id: other.id } });
  assert.equal([renamed.status, renamed.body.user.username, renamed.body.user.id], [200, `${user.username}_2`, user.id]);
  const taken = await call(app, 'PUT', '/api/auth/profile', { token: user.token, json: { email: other.email } });
  assert.is(taken.status, 409);
  assert.is((await call(app, 'GET', '/api/auth/profile')).status, 401);
});

accounts('change-password needs the current one, checks the new one and ends every other session', async () => {
  const app = await authApp();
  const user = await loggedIn(app);
  const ip = freshIp();
  const second = await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: user.email, password: user.password } }));
  const wrong = await call(app, 'POST', '/api/auth/change-password', from(ip, { token: user.token, json: { current_password: 'nope nope', new_password: 'a brand new secret' } }));
  assert.is(wrong.status, 403);
  const weak = await call(app, 'POST', '/api/auth/change-password', from(ip, { token: user.token, json: { current_password: user.password, new_password: 'letmein' } }));
  assert.is(weak.status, 422);
  assert.ok(weak.body.details.fields.new_password);
  const changed = await call(app, 'POST', '/api/auth/change-password', from(ip, { token: user.token, json: { current_password: user.password, new_password: 'a brand new secret' } }));
  assert.equal([changed.status, changed.body.sessions_ended], [200, 1]);
  await new Promise((resolve) => setTimeout(resolve, 2100));
  assert.is((await call(app, 'GET', '/api/auth/verify', { token: second.body.token })).status, 401, 'the other session ended');
  assert.is((await call(app, 'GET', '/api/auth/verify', { token: user.token })).status, 200, 'this session goes on');
  const oldPassword = await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: user.email, password: user.password } }));
  assert.is(oldPassword.status, 401);
});

accounts('wrong current passwords at change-password are throttled like failed logins', async () => {
  const app = await authApp();
  const user = await loggedIn(app);
  const ip = freshIp();
  const change = (current: string) => call(app, 'POST', '/api/auth/change-password', from(ip, { token: user.token, json: { current_password: current, new_password: 'a brand new secret' } }));
  for (let index = 0; index < 5; index++) assert.is((await change(`guess ${index}`)).status, 403);
  const throttled = await change(user.password);
  assert.equal([throttled.status, throttled.body.error], [429, 'too_many_requests'], 'even the right one waits');
  // One throttle for both: the account's logins from that address wait too, from elsewhere they go on.
  assert.is((await call(app, 'POST', '/api/auth/login', from(ip, { json: { username: user.username, password: user.password } }))).status, 429, 'the account’s login there waits too');
  assert.is((await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: user.email, password: user.password } }))).status, 200);
});

accounts('a new password of only whitespace, or short once its ends are trimmed, is refused wherever it is set; such old ones still work', async () => {
  const app = await authApp();
  const blank = ' \t'.repeat(6);
  const padded = '   abc12   ';
  for (const password of [blank, padded, '\u3000'.repeat(9)]) {
    const refused = await call(app, 'POST', '/api/auth/register', from(freshIp(), { json: { ...newAccount(), password } }));
    assert.equal([refused.status, refused.body.error], [422, 'validation_failed'], JSON.stringify(password));
    assert.match(refused.body.details.fields.password.join(), password === padded ? /at least 8 characters, not counting whitespace/ : /only whitespace/);
  }
  const user = await loggedIn(app);
  const change = await call(app, 'POST', '/api/auth/change-password', from(freshIp(), { token: user.token, json: { current_password: user.password, new_password: blank } }));
  assert.equal([change.status, change.body.details?.fields?.new_password], [422, ['must not be only whitespace']]);
  assert.is((await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: user.email, password: user.password } }))).status, 200, 'the password was not changed');
  const { pools } = await getStack();
  const { username, email } = newAccount();
  // An account whose existing password is all spaces (set before this rule) still logs in with it.
  await insertUser(pools.auth, { username, email, passwordHash: await hash(blank) });
  assert.is((await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email, password: blank } }))).status, 200);
});

accounts('a new password’s length is counted in characters as people see them, its upper bound in bytes', async () => {
  const short = /at least 8 characters/;
  const tooShort = ['🔑'.repeat(7), '👩‍👩‍👧‍👦'.repeat(7), '🇫🇷'.repeat(7), 'e\u0301'.repeat(7), ` ${'𝒜'.repeat(7)} `];
  for (const password of tooShort) assert.match(passwordProblems(password, {}).join(), short, `${JSON.stringify(password)} is 7 characters`);
  for (const password of ['🔑'.repeat(8), '👩‍👩‍👧‍👦'.repeat(8), 'e\u0301'.repeat(8), 'zoë-blüh']) assert.equal(passwordProblems(password, {}), [], JSON.stringify(password));
  // 1024 bytes of UTF-8 (what argon2 hashes): 1024 ASCII characters, 256 emoji.
  for (const password of ['a'.repeat(1024), '🔑'.repeat(256)]) assert.equal(passwordProblems(password, {}), []);
  for (const password of ['a'.repeat(1025), '🔑'.repeat(257), 'é'.repeat(513)]) assert.match(passwordProblems(password, {}).join(), /at most 1024 bytes/);

  const app = await authApp();
  const refused = await call(app, 'POST', '/api/auth/register', from(freshIp(), { json: { ...newAccount(), password: '🔑'.repeat(7) } }));
  assert.equal([refused.status, refused.body.error], [422, 'validation_failed']);
  // The longest password accepted still logs in (the login's own bound is no tighter).
  for (const password of ['🔑'.repeat(8), '🔑'.repeat(256)]) {
    const account = { ...newAccount(), password };
    await registered(app, account);
    assert.is((await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: account.email, password } }))).status, 200);
  }
});

accounts.run();
