import { createHash } from 'node:crypto';
import type { H3 } from 'h3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sql } from 'slonik';
import { z } from 'zod';
import { defineRoute } from '../../api/shared/route.js';
import { openSession, useRefreshToken } from '../../db/auth/sessions.js';
import { getStack } from '../support/stack.js';
import { call } from '../support/http.js';
import { probeApp } from '../support/probe-app.js';
import { authApp, eventually, freshIp, from, loggedIn, registered } from './support.js';

/** A route of "another service": it trusts tokens through the remote guard (JWKS + revoked-session feed). */
function otherService(): Promise<H3> {
  return probeApp([defineRoute({ method: 'GET', path: '/api/me', summary: 'me', access: 'user', handler: ({ user }) => ({ id: user.id }) })]);
}

const sessions = suite('sessions, refresh tokens and revocation');

sessions('refresh rotates; the same spent token within the grace window gets the same pair', async () => {
  const app = await authApp();
  const user = await loggedIn(app);
  const first = await call(app, 'POST', '/api/auth/refresh', { json: { refresh_token: user.refreshToken } });
  assert.is(first.status, 200);
  assert.is.not(first.body.refresh_token, user.refreshToken);
  assert.is((await call(app, 'GET', '/api/auth/verify', { token: first.body.token })).status, 200);
  const secondTab = await call(app, 'POST', '/api/auth/refresh', { json: { refresh_token: user.refreshToken } });
  assert.is(secondTab.status, 200);
  assert.is(secondTab.body.refresh_token, first.body.refresh_token, 'same successor for a concurrent tab');
  const next = await call(app, 'POST', '/api/auth/refresh', { json: { refresh_token: first.body.refresh_token } });
  assert.is(next.status, 200);
  assert.is((await call(app, 'POST', '/api/auth/refresh', { json: { refresh_token: 'made-up' } })).status, 401);
});

sessions('a refresh that failed after spending its token can be retried within the grace window', async () => {
  const app = await authApp();
  const user = await loggedIn(app);
  const { pools } = await getStack();
  // The first attempt got as far as marking the token used, then failed (a restart, a pool timeout).
  assert.ok(await useRefreshToken(pools.auth, createHash('sha256').update(user.refreshToken).digest()));
  const retried = await call(app, 'POST', '/api/auth/refresh', { json: { refresh_token: user.refreshToken } });
  assert.is(retried.status, 200);
  const next = await call(app, 'POST', '/api/auth/refresh', { json: { refresh_token: retried.body.refresh_token } });
  assert.is(next.status, 200, 'the successor it was given works');
});

sessions('the feed of ended sessions pages: more than a page of revocations is read to the end, none skipped', async () => {
  const app = await authApp();
  const user = await registered(app);
  const { pools } = await getStack();
  const before = await pools.auth.oneFirst(sql.type(z.object({ id: z.number() }))`select coalesce(max(id), 0)::int as id from session_revocations`);
  // A logout-all of 5,001 sessions (what one user with many devices, or an attacker, can cause).
  await pools.auth.query(sql.unsafe`
    with opened as (insert into sessions (user_id) select ${user.id} from generate_series(1, 5001) returning id)
    insert into session_revocations (session_id, revoked_at, expires_at) select id, now() - interval '1 minute', now() + interval '10 minutes' from opened`);
  const ids = new Set<string>();
  let cursor = String(before);
  for (let poll = 0; poll < 3; poll++) {
    const answer = (await call(app, 'GET', `/api/auth/sessions/revoked?since=${cursor}`)).body as { revoked: Array<{ id: string }>; cursor: string };
    for (const entry of answer.revoked) ids.add(entry.id);
    cursor = answer.cursor;
  }
  assert.is(ids.size, 5001);
});

sessions('a refresh token reused after the grace window ends its whole family', async () => {
  const app = await authApp({ REFRESH_REUSE_GRACE_SECONDS: 1 });
  const user = await loggedIn(app);
  const rotated = await call(app, 'POST', '/api/auth/refresh', { json: { refresh_token: user.refreshToken } });
  assert.is(rotated.status, 200);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const replay = await call(app, 'POST', '/api/auth/refresh', { json: { refresh_token: user.refreshToken } });
  assert.equal([replay.status, replay.body.error], [401, 'refresh_token_reused']);
  const successor = await call(app, 'POST', '/api/auth/refresh', { json: { refresh_token: rotated.body.refresh_token } });
  assert.equal([successor.status, successor.body.error], [401, 'session_revoked'], 'the legitimate successor is dead too');
  assert.ok(await eventually(async () => (await call(app, 'GET', '/api/auth/verify', { token: rotated.body.token })).status === 401));
});

sessions('logout ends this session in every service within seconds; other sessions go on', async () => {
  const app = await authApp();
  const other = await otherService();
  const user = await loggedIn(app);
  const second = await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: user.email, password: user.password } }));
  assert.is((await call(other, 'GET', '/api/me', { token: user.token })).status, 200);
  assert.is((await call(app, 'POST', '/api/auth/logout', { token: user.token })).status, 200);
  assert.ok(await eventually(async () => (await call(other, 'GET', '/api/me', { token: user.token })).status === 401), 'refused by another service');
  assert.ok(await eventually(async () => (await call(app, 'GET', '/api/auth/verify', { token: user.token })).status === 401), 'refused by auth');
  assert.is((await call(other, 'GET', '/api/me', { token: second.body.token })).status, 200, 'the other session still works');
  const refresh = await call(app, 'POST', '/api/auth/refresh', { json: { refresh_token: user.refreshToken } });
  assert.is(refresh.status, 401);
});

sessions('sessions are listed with device and address; one can be ended; logout-all ends all', async () => {
  const app = await authApp();
  const user = await loggedIn(app);
  const ip = freshIp();
  const second = await call(app, 'POST', '/api/auth/login', from(ip, { json: { email: user.email, password: user.password }, headers: { 'user-agent': 'Tablet/1.0' } }));
  const list = await call(app, 'GET', '/api/auth/sessions', { token: user.token });
  assert.is(list.body.sessions.length, 2);
  const tablet = list.body.sessions.find((session: { user_agent: string }) => session.user_agent === 'Tablet/1.0');
  assert.equal([tablet.ip, tablet.current], [ip, false]);
  assert.is(list.body.sessions.filter((session: { current: boolean }) => session.current).length, 1);

  const stranger = await loggedIn(app);
  assert.is((await call(app, 'DELETE', `/api/auth/sessions/${tablet.id}`, { token: stranger.token })).status, 404, 'not theirs');
  assert.is((await call(app, 'DELETE', `/api/auth/sessions/${tablet.id}`, { token: user.token })).status, 200);
  assert.ok(await eventually(async () => (await call(app, 'GET', '/api/auth/verify', { token: second.body.token })).status === 401));
  assert.is((await call(app, 'DELETE', '/api/auth/sessions/not-a-uuid', { token: user.token })).status, 404, 'a path that names no session');

  const all = await call(app, 'POST', '/api/auth/logout-all', { token: user.token });
  assert.equal([all.status, all.body.sessions_ended], [200, 1]);
  assert.ok(await eventually(async () => (await call(app, 'GET', '/api/auth/verify', { token: user.token })).status === 401));
});

sessions('the revoked-session feed pages with a cursor', async () => {
  const app = await authApp();
  const start = await call(app, 'GET', '/api/auth/sessions/revoked');
  assert.is(start.status, 200);
  const cursor = start.body.cursor;
  const user = await loggedIn(app);
  await call(app, 'POST', '/api/auth/logout', { token: user.token });
  const mine = (body: { revoked: Array<{ id: string }> }) => body.revoked.some((entry) => entry.id === user.sessionId);
  const since = await call(app, 'GET', `/api/auth/sessions/revoked?since=${cursor}`);
  assert.ok(mine(since.body), 'the ended session is in the feed');
  assert.ok(since.body.revoked.every((entry: { id: string; expires_at: string }) => Date.parse(entry.expires_at) > Date.now()));
  assert.match(since.body.cursor, /^\d+$/);
  // The cursor lags a few seconds so a late commit is never skipped: a recent entry is sent again.
  const again = await call(app, 'GET', `/api/auth/sessions/revoked?since=${since.body.cursor}`);
  assert.ok(mine(again.body), 'recent entries are repeated, not lost');
  assert.is((await call(app, 'GET', '/api/auth/sessions/revoked?since=-1')).status, 422);
});

const throttling = suite('login throttling');

throttling('five failures for one account → 429 with Retry-After; a success resets the account count', async () => {
  const app = await authApp();
  const user = await registered(app);
  const attempt = (password: string) => call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: user.email, password } }));
  for (let index = 0; index < 4; index++) assert.is((await attempt(`wrong ${index}`)).status, 401);
  assert.is((await attempt(user.password)).status, 200, 'a success before the limit');
  for (let index = 0; index < 5; index++) assert.is((await attempt(`wrong again ${index}`)).status, 401, 'the count restarted');
  const blocked = await attempt(user.password);
  assert.is(blocked.status, 429, 'even the right password waits');
  assert.ok(Number(blocked.headers.get('retry-after')) > 0 && Number(blocked.headers.get('retry-after')) <= 900);
  assert.is(blocked.body.error, 'too_many_requests');
});

throttling('twenty failures from one address → 429 for any account from it', async () => {
  const app = await authApp();
  const ip = freshIp();
  const victim = await registered(app);
  for (let index = 0; index < 20; index++) {
    const response = await call(app, 'POST', '/api/auth/login', from(ip, { json: { email: `ghost${index}@example.com`, password: 'whatever1' } }));
    assert.is(response.status, 401);
  }
  const blocked = await call(app, 'POST', '/api/auth/login', from(ip, { json: { email: victim.email, password: victim.password } }));
  assert.is(blocked.status, 429);
  const elsewhere = await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: victim.email, password: victim.password } }));
  assert.is(elsewhere.status, 200, 'the account itself is not locked');
});

throttling('guesses sent all at once are throttled like guesses sent one by one', async () => {
  const app = await authApp();
  const user = await registered(app);
  const burst = await Promise.all(
    Array.from({ length: 30 }, (_, index) => call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: user.email, password: `burst ${index}` } }))),
  );
  const statuses = burst.map((answer) => answer.status);
  assert.equal([statuses.filter((status) => status === 401).length, statuses.filter((status) => status === 429).length], [5, 25], statuses.join(','));
});

throttling('only the address the proxy appended is believed; a forged or oversized X-Forwarded-For is not', async () => {
  const app = await authApp();
  const user = await registered(app);
  const ip = freshIp();
  const forged = { 'x-forwarded-for': `${'9'.repeat(3000)}, 203.0.113.7, ${ip}` };
  for (let index = 0; index < 20; index++) {
    const answer = await call(app, 'POST', '/api/auth/login', { headers: forged, json: { email: `ghost${index}@example.com`, password: 'whatever1' } });
    assert.is(answer.status, 401, answer.text);
  }
  // The failures were counted against the appended address, not the forged entries before it.
  assert.is((await call(app, 'POST', '/api/auth/login', from(ip, { json: { email: user.email, password: user.password } }))).status, 429);
  const garbage = await call(app, 'POST', '/api/auth/login', { headers: { 'x-forwarded-for': 'x'.repeat(3000) }, json: { email: user.email, password: 'wrong one' } });
  // Not an address: ignored (the connection's own address counts; in-process there is none, so 'unknown').
  assert.ok(['invalid_credentials', 'too_many_requests'].includes(garbage.body.error), garbage.text);
});

throttling('a login whose account changed during the password check opens no session', async () => {
  const app = await authApp();
  const user = await loggedIn(app);
  const { pools } = await getStack();
  const attemptId = await pools.auth.oneFirst(sql.type(z.object({ id: z.number() }))`insert into login_attempts (identifier, ip, succeeded) values ('x', 'x', false) returning id`);
  // What a password change between the check and the session looks like: the verified hash is gone.
  const opened = await openSession(pools.auth, { userId: user.id, verifiedHash: 'the hash before the change', attemptId, client: { ip: null, userAgent: null }, refreshTokenHash: Buffer.alloc(32, 7), refreshTtlSeconds: 60 });
  assert.is(opened, null);
});

sessions.run();
throttling.run();
