import { sql } from 'slonik';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createMediaApp } from '../../api/media/app.js';
import { issueAccessToken } from '../../core/auth/access-tokens.js';
import { createAuthApp } from '../../api/auth/app.js';
import { generateSigningJwk, signingKeysFromJwks } from '../../core/auth/signing-keys.js';
import { createAuthGuard } from '../../api/shared/auth-guard.js';
import { call } from '../support/http.js';
import { getStack } from '../support/stack.js';
import { authApp, eventually, freshIp, from, loggedIn } from './support.js';

async function admin(app: Parameters<typeof call>[0]) {
  const { pools } = await getStack();
  const user = await loggedIn(app);
  await pools.auth.query(sql.unsafe`update users set role = 'admin' where id = ${user.id}`);
  const login = await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: user.email, password: user.password } }));
  return { ...user, token: login.body.token as string };
}

const administration = suite('administration');

administration('admins list and search accounts; others get 403', async () => {
  const app = await authApp();
  const boss = await admin(app);
  const member = await loggedIn(app);
  assert.is((await call(app, 'GET', '/api/auth/users', { token: member.token })).status, 403);
  const page = await call(app, 'GET', '/api/auth/users?per_page=2&page=1', { token: boss.token });
  assert.is(page.status, 200);
  assert.is(page.body.users.length, 2);
  assert.ok(page.body.total >= 2);
  assert.is(page.body.pages, Math.ceil(page.body.total / 2));
  const found = await call(app, 'GET', `/api/auth/users?q=${encodeURIComponent(member.username)}`, { token: boss.token });
  assert.equal(found.body.users.map((user: { id: number }) => user.id), [member.id]);
  assert.is((await call(app, 'GET', '/api/auth/users?per_page=1000', { token: boss.token })).status, 422);
});

administration('a deactivated user is refused everywhere within seconds and cannot log in', async () => {
  const app = await authApp();
  const stack = await getStack();
  const media = createMediaApp({ ...stack.depsFor('media'), guard: stack.guard });
  const boss = await admin(app);
  const member = await loggedIn(app);
  assert.is((await call(media, 'GET', '/api/nowhere', { token: member.token })).status, 404);
  const off = await call(app, 'PUT', `/api/auth/users/${member.id}`, { token: boss.token, json: { is_active: false } });
  assert.equal([off.status, off.body.user.is_active], [200, false]);
  assert.ok(await eventually(async () => (await call(app, 'GET', '/api/auth/verify', { token: member.token })).status === 401));
  const other = stack.guard;
  assert.ok(
    await eventually(async () => {
      try {
        await other.requireUser({ req: new Request('http://x', { headers: { authorization: `Bearer ${member.token}` } }), context: {} } as never);
        return false;
      } catch {
        return true;
      }
    }),
    'refused by the other services',
  );
  const login = await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: member.email, password: member.password } }));
  assert.equal([login.status, login.body.error], [403, 'account_disabled']);
});

administration('roles change with audit; admins cannot lock themselves out', async () => {
  const app = await authApp();
  const boss = await admin(app);
  const member = await loggedIn(app);
  const promoted = await call(app, 'PUT', `/api/auth/users/${member.id}`, { token: boss.token, json: { role: 'staff' } });
  assert.equal([promoted.status, promoted.body.user.role], [200, 'staff']);
  assert.is((await call(app, 'PUT', `/api/auth/users/${member.id}`, { token: boss.token, json: {} })).status, 422);
  assert.is((await call(app, 'PUT', `/api/auth/users/${boss.id}`, { token: boss.token, json: { role: 'user' } })).status, 409);
  assert.is((await call(app, 'PUT', '/api/auth/users/999999999', { token: boss.token, json: { role: 'user' } })).status, 404);
  const trail = await call(app, 'GET', `/api/auth/audit?user_id=${member.id}`, { token: boss.token });
  const events = trail.body.events.map((event: { event: string }) => event.event);
  for (const expected of ['register', 'login', 'account_changed']) assert.ok(events.includes(expected), `audit has ${expected}`);
  const change = trail.body.events.find((event: { event: string }) => event.event === 'account_changed');
  assert.equal([change.actor_id, change.details.role], [boss.id, ['user', 'staff']]);
  assert.ok(
    await eventually(async () => (await call(app, 'GET', '/api/auth/verify', { token: member.token })).status === 401),
    'a role change ends the sessions whose tokens carry the old role',
  );
  const asStaff = await call(app, 'POST', '/api/auth/login', from(freshIp(), { json: { email: member.email, password: member.password } }));
  assert.is(asStaff.body.user.role, 'staff');
  assert.is((await call(app, 'GET', '/api/auth/audit', { token: asStaff.body.token })).status, 403, 'staff is not admin');
});

administration('JWKS lists every key; tokens signed before a rotation keep working, foreign ones do not', async () => {
  const stack = await getStack();
  const oldJwk = await generateSigningJwk();
  const newJwk = await generateSigningJwk();
  const before = await signingKeysFromJwks([oldJwk]);
  const after = await signingKeysFromJwks([newJwk, oldJwk]);
  const rotated = createAuthApp({ ...stack.depsFor('auth'), keys: after });
  const jwks = await call(rotated, 'GET', '/api/auth/.well-known/jwks.json');
  assert.equal(jwks.body.keys.map((key: { kid: string }) => key.kid), [newJwk.kid, oldJwk.kid]);
  assert.ok(jwks.body.keys.every((key: Record<string, unknown>) => !('d' in key)), 'no private part is published');
  const guard = createAuthGuard({ keys: after.verificationKeys, issuer: stack.config.JWT_ISSUER, audience: stack.config.JWT_AUDIENCE });
  const settings = { issuer: stack.config.JWT_ISSUER, audience: stack.config.JWT_AUDIENCE, ttlSeconds: 60 };
  const claims = { userId: 1, role: 'user' as const, sessionId: 'rotation-test' };
  const request = (token: string) => ({ req: new Request('http://x', { headers: { authorization: `Bearer ${token}` } }), context: {} }) as never;
  assert.is((await guard.requireUser(request((await issueAccessToken(before, claims, settings)).token))).id, 1, 'old key still verifies');
  assert.is((await guard.requireUser(request((await issueAccessToken(after, claims, settings)).token))).id, 1, 'new key verifies');
  const foreign = await signingKeysFromJwks([await generateSigningJwk()]);
  await guard.requireUser(request((await issueAccessToken(foreign, claims, settings)).token)).then(
    () => assert.unreachable('a foreign key must be refused'),
    (error: { status: number }) => assert.is(error.status, 401),
  );
});

administration.run();
