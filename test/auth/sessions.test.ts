import { createHash } from 'node:crypto';
import type { H3 } from 'h3';
import type { Logger } from 'pino';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sql } from 'slonik';
import { z } from 'zod';
import { createRevokedSessionList } from '../../api/shared/auth-guard.js';
import { defineRoute } from '../../api/shared/route.js';
import { SERVICE_CREDENTIAL_HEADER, serviceCredential } from '../../api/shared/service-credential.js';
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

sessions('the feed tells deactivated and demoted accounts to the services only; anyone else sees ended session ids', async () => {
  const { config, pools } = await getStack();
  const app = await authApp();
  const { cursor } = (await call(app, 'GET', '/api/auth/sessions/revoked')).body;
  const [boss, member, helper] = [await loggedIn(app), await loggedIn(app), await loggedIn(app)];
  await pools.auth.query(sql.unsafe`update users set role = 'admin' where id in (${boss.id}, ${helper.id})`);
  const bossToken = (await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: boss.email, password: boss.password } }))).body.token as string;
  assert.is((await call(app, 'PUT', `/api/auth/users/${member.id}`, { token: bossToken, json: { is_active: false } })).status, 200);
  assert.is((await call(app, 'PUT', `/api/auth/users/${helper.id}`, { token: bossToken, json: { role: 'user' } })).status, 200);

  const asService = await call(app, 'GET', '/api/auth/sessions/revoked', { headers: { [SERVICE_CREDENTIAL_HEADER]: serviceCredential(config) } });
  const ids = (list: Array<{ id: number }>) => list.map((account) => account.id);
  assert.ok(ids(asService.body.ended_users).includes(member.id), 'deactivated');
  assert.ok(ids(asService.body.ended_admins).includes(helper.id), 'demoted');
  assert.ok(!ids(asService.body.ended_users).includes(helper.id) && !ids(asService.body.ended_admins).includes(member.id));

  const strangers: Array<Record<string, string>> = [{}, { [SERVICE_CREDENTIAL_HEADER]: 'a guess' }, { authorization: `Bearer ${bossToken}` }];
  for (const headers of strangers) {
    const answer = await call(app, 'GET', `/api/auth/sessions/revoked?since=${cursor}`, { headers });
    assert.is(answer.status, 200);
    assert.equal(Object.keys(answer.body).sort(), ['cursor', 'revoked'], JSON.stringify(headers));
    assert.ok(answer.body.revoked.some((entry: { id: string }) => entry.id === member.sessionId), 'ended sessions are for everyone');
  }
});

sessions('a service whose credential the auth service does not take says so, once', async () => {
  const { config } = await getStack();
  const app = await authApp();
  const logged: string[] = [];
  const logger = { error: (message: string) => logged.push(message), warn: () => {}, info: () => {} } as unknown as Logger;
  const poller = (credential: string) =>
    createRevokedSessionList({ authUrl: 'http://auth.test', credential, logger, fetch: async (input, init) => app.fetch(new Request(input, init)) });
  const right = poller(serviceCredential(config));
  await right.refresh();
  assert.equal(logged, []);
  const wrong = poller('not the credential');
  await wrong.refresh();
  await wrong.refresh();
  assert.is(logged.length, 1);
  assert.match(logged[0]!, /URL_SIGNING_SECRET/);
});

sessions('a login whose account changed during the password check opens no session', async () => {
  const app = await authApp();
  const user = await loggedIn(app);
  const { pools } = await getStack();
  const attemptId = await pools.auth.oneFirst(sql.type(z.object({ id: z.number() }))`insert into login_attempts (account_key, ip, succeeded) values ('x', 'x', false) returning id`);
  // What a password change between the check and the session looks like: the verified hash is gone.
  const opened = await openSession(pools.auth, { userId: user.id, verifiedHash: 'the hash before the change', attemptId, client: { ip: null, userAgent: null }, refreshTokenHash: Buffer.alloc(32, 7), refreshTtlSeconds: 60 });
  assert.is(opened, null);
});

sessions.run();
