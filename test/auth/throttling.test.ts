// Login throttling: per account (however it is named), per account and address, and per address
// across many accounts. Time is never waited for: the test moves the recorded attempts instead.
import { createHash } from 'node:crypto';
import type { H3 } from 'h3';
import { sql } from 'slonik';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { call, type CallResult } from '../support/http.js';
import { getStack } from '../support/stack.js';
import { authApp, freshIp, from, newAccount, registered } from './support.js';

const login = (app: H3, ip: string, json: { email?: string; username?: string; password: string }) => call(app, 'POST', '/api/auth/login', from(ip, { json }));

/** A 429 says when to retry twice, alike: the Retry-After header and details.retry_after. */
function retryAfter(answer: CallResult): number {
  assert.equal([answer.status, answer.body.error], [429, 'too_many_requests'], answer.text);
  const seconds = Number(answer.headers.get('retry-after'));
  assert.is(answer.body.details.retry_after, seconds, 'the header and the body agree');
  return seconds;
}

async function onAuthDatabase(query: ReturnType<typeof sql.unsafe>) {
  const { pools } = await getStack();
  await pools.auth.query(query);
}

const throttling = suite('login throttling');

throttling('an account has one budget however it is named: email, username and their case variants share it', async () => {
  const app = await authApp();
  const user = await registered(app);
  const ip = freshIp();
  const spellings = [{ email: user.email }, { username: user.username }, { email: user.email.toUpperCase() }, { username: user.username.toUpperCase() }, { email: ` ${user.email.toLowerCase()} ` }];
  for (const [index, spelling] of spellings.entries()) assert.is((await login(app, ip, { ...spelling, password: `wrong ${index}` })).status, 401);
  const blocked = await login(app, ip, { username: user.username, password: user.password });
  assert.ok(retryAfter(blocked) > 0 && retryAfter(blocked) <= 900, 'even the right password waits, by another spelling');
});

throttling('a name no account has is throttled like an account, in every spelling, and never counts against a real account', async () => {
  const app = await authApp();
  const ip = freshIp();
  const { email } = newAccount();
  const ghost = `zoë.${email}`; // NFC
  const spellings = [ghost, ghost.normalize('NFD'), ghost.toUpperCase(), ghost.normalize('NFD').toUpperCase(), ghost];
  for (const spelling of spellings) assert.is((await login(app, ip, { email: spelling, password: 'whatever1' })).status, 401);
  retryAfter(await login(app, ip, { email: ghost.normalize('NFD'), password: 'whatever1' }));

  // A spelling close to a real account's, but not one of its spellings, is its own name.
  const user = await registered(app);
  for (let index = 0; index < 5; index++) assert.is((await login(app, ip, { email: `${user.email}.`, password: user.password })).status, 401);
  assert.is((await login(app, ip, { email: user.email, password: user.password })).status, 200);
});

throttling('one account throttled at an address: another account there still logs in, and its owner elsewhere too', async () => {
  const app = await authApp();
  const [guessed, neighbour] = [await registered(app), await registered(app)];
  const ip = freshIp();
  for (let index = 0; index < 5; index++) assert.is((await login(app, ip, { email: guessed.email, password: `wrong ${index}` })).status, 401);
  retryAfter(await login(app, ip, { email: guessed.email, password: guessed.password }));
  assert.is((await login(app, ip, { email: neighbour.email, password: neighbour.password })).status, 200, 'the other account at the address');
  assert.is((await login(app, freshIp(), { email: guessed.email, password: guessed.password })).status, 200, 'the owner elsewhere');
});

throttling('the staff account logs in with its right password after 20+ wrong guesses at another account from the same address', async () => {
  const app = await authApp();
  const staff = await registered(app);
  await onAuthDatabase(sql.unsafe`update users set role = 'staff' where id = ${staff.id}`);
  const colleague = await registered(app);
  const ip = freshIp();
  // A colleague who keeps mistyping (by email and by username), logging in between: 24 wrong passwords.
  for (let round = 0; round < 6; round++) {
    for (let index = 0; index < 4; index++) {
      const spelling = index % 2 ? { username: colleague.username } : { email: colleague.email };
      assert.is((await login(app, ip, { ...spelling, password: `typo ${round}.${index}` })).status, 401);
    }
    assert.is((await login(app, ip, { email: colleague.email, password: colleague.password })).status, 200);
  }
  // …and then someone guessing at it until it is throttled there.
  for (let index = 0; index < 5; index++) assert.is((await login(app, ip, { email: colleague.email, password: `guess ${index}` })).status, 401);
  for (let index = 0; index < 3; index++) retryAfter(await login(app, ip, { email: colleague.email, password: `guess again ${index}` }));
  const answer = await login(app, ip, { email: staff.email, password: staff.password });
  assert.equal([answer.status, answer.body.user?.role], [200, 'staff'], answer.text);
});

throttling('guessing at many accounts from one address meets a doubling delay with a retry time; owners elsewhere are unaffected', async () => {
  const app = await authApp({ LOGIN_MAX_ACCOUNTS_PER_IP: 3, LOGIN_THROTTLE_WINDOW_SECONDS: 3600 });
  const victim = await registered(app);
  const ip = freshIp();
  const ghost = (index: number) => ({ email: `stuffed.${index}.${victim.email}`, password: 'from a leaked list' });
  // As if the latest failure from the address had just been recorded (its password check takes time).
  const latestFailureNow = () => onAuthDatabase(sql.unsafe`
    update login_attempts set attempted_at = attempted_at + (now() - (select max(attempted_at) from login_attempts where ip = ${ip}))
    where ip = ${ip}`);
  const waitOut = (seconds: number) => onAuthDatabase(sql.unsafe`
    update login_attempts set attempted_at = attempted_at - make_interval(secs => ${seconds + 1}) where ip = ${ip}`);

  assert.is((await login(app, ip, { email: victim.email, password: 'from a leaked list' })).status, 401);
  for (const index of [1, 2]) assert.is((await login(app, ip, ghost(index))).status, 401);
  const delays: number[] = [];
  for (const index of [3, 4, 5]) {
    await latestFailureNow();
    const slowed = await login(app, ip, ghost(index));
    delays.push(retryAfter(slowed));
    assert.is((await login(app, ip, { email: victim.email, password: victim.password })).status, 429, 'every login from the address waits');
    await waitOut(delays.at(-1)!);
    assert.is((await login(app, ip, ghost(index))).status, 401, 'after the delay, one more guess');
  }
  assert.equal(delays, [1, 2, 4], 'the delay doubles with each further account');
  assert.is((await login(app, freshIp(), { email: victim.email, password: victim.password })).status, 200, 'the owner elsewhere');
});

throttling('guesses at many accounts sent at once from one address pass only up to the bound', async () => {
  const app = await authApp({ LOGIN_MAX_ACCOUNTS_PER_IP: 3 });
  const ip = freshIp();
  const { email } = newAccount();
  const burst = await Promise.all(Array.from({ length: 12 }, (_, index) => login(app, ip, { email: `burst.${index}.${email}`, password: 'from a leaked list' })));
  const statuses = burst.map((answer) => answer.status);
  assert.equal([statuses.filter((status) => status === 401).length, statuses.filter((status) => status === 429).length], [3, 9], statuses.join(','));
});

throttling('failures for one account from one address → 429 with Retry-After; a success from there resets its count', async () => {
  const app = await authApp();
  const user = await registered(app);
  const ip = freshIp();
  for (let index = 0; index < 4; index++) assert.is((await login(app, ip, { email: user.email, password: `wrong ${index}` })).status, 401);
  assert.is((await login(app, ip, { email: user.email, password: user.password })).status, 200, 'a success before the limit');
  for (let index = 0; index < 5; index++) assert.is((await login(app, ip, { email: user.email, password: `wrong again ${index}` })).status, 401, 'the count restarted');
  const seconds = retryAfter(await login(app, ip, { email: user.email, password: user.password }));
  assert.ok(seconds > 0 && seconds <= 900);
});

throttling('failures for one account spread over many addresses make the account wait everywhere', async () => {
  const app = await authApp({ LOGIN_MAX_FAILURES_PER_ACCOUNT: 8 });
  const user = await registered(app);
  for (let index = 0; index < 8; index++) assert.is((await login(app, freshIp(), { email: user.email, password: `wrong ${index}` })).status, 401);
  retryAfter(await login(app, freshIp(), { username: user.username, password: user.password }));
});

throttling('guesses at one account sent all at once are throttled like guesses sent one by one', async () => {
  const app = await authApp();
  const user = await registered(app);
  const burst = await Promise.all(Array.from({ length: 30 }, (_, index) => login(app, freshIp(), { email: user.email, password: `burst ${index}` })));
  const statuses = burst.map((answer) => answer.status);
  assert.equal([statuses.filter((status) => status === 401).length, statuses.filter((status) => status === 429).length], [20, 10], statuses.join(','));
});

throttling('only the address the proxy appended is believed; a forged or oversized X-Forwarded-For is not', async () => {
  const app = await authApp();
  const user = await registered(app);
  const ip = freshIp();
  const forged = { 'x-forwarded-for': `${'9'.repeat(3000)}, 203.0.113.7, ${ip}` };
  for (let index = 0; index < 5; index++) {
    const answer = await call(app, 'POST', '/api/auth/login', { headers: forged, json: { email: user.email, password: `wrong ${index}` } });
    assert.is(answer.status, 401, answer.text);
  }
  // The failures were counted against the appended address, not the forged entries before it.
  retryAfter(await login(app, ip, { email: user.email, password: user.password }));
  assert.is((await login(app, '203.0.113.7', { email: user.email, password: user.password })).status, 200);
  const garbage = await call(app, 'POST', '/api/auth/login', { headers: { 'x-forwarded-for': 'x'.repeat(3000) }, json: { email: user.email, password: 'wrong one' } });
  // Not an address: ignored (the connection's own address counts; in-process there is none, so 'unknown').
  assert.ok(['invalid_credentials', 'too_many_requests'].includes(garbage.body.error), garbage.text);
});

throttling('the audit of failed and throttled logins names the account, never what was typed; an unknown name is a key that only correlates', async () => {
  const app = await authApp();
  const { pools } = await getStack();
  const trail = (ip: string) =>
    pools.auth.any(sql.type(z.object({ event: z.string(), user_id: z.number().nullable(), details: z.record(z.string(), z.unknown()) }))`
      select event, user_id, details from audit_events where ip = ${ip} order by id`);
  const user = await registered(app);
  const known = freshIp();
  assert.is((await login(app, known, { username: ` ${user.username.toUpperCase()} `, password: 'wrong password' })).status, 401);
  const [failed] = await trail(known);
  assert.equal([failed!.event, failed!.user_id], ['login_failed', user.id]);
  assert.not.match(JSON.stringify(failed!.details), new RegExp(user.username, 'i'), 'the account id says who');

  // A password pasted into the username field, five times, then once more (throttled).
  const pasted = `Pasted-${newAccount().password}`;
  const unknown = freshIp();
  for (let index = 0; index < 5; index++) assert.is((await login(app, unknown, { username: pasted, password: 'whatever1' })).status, 401);
  retryAfter(await login(app, unknown, { username: pasted.toLowerCase(), password: 'whatever1' }));
  const events = await trail(unknown);
  assert.equal(events.map((event) => event.event), [...Array(5).fill('login_failed'), 'login_throttled']);
  const text = JSON.stringify(events).toLowerCase();
  assert.not.ok(text.includes(pasted.toLowerCase()) || text.includes(pasted.slice(8).toLowerCase()), text);
  assert.not.ok(text.includes(createHash('sha256').update(pasted.toLowerCase()).digest('hex')), 'not an unkeyed hash either (a dictionary reverses it)');
  const keys = new Set(events.map((event) => event.details.account_key));
  assert.is(keys.size, 1, 'one name, one key');
  assert.match(String([...keys][0]), /^unknown:/);
  assert.ok(events.every((event) => event.user_id === null));
});

throttling.run();
