import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import pino from 'pino';
import { sql } from 'slonik';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { issueAccessToken } from '../../core/auth/access-tokens.js';
import { generateSigningJwk, signingKeysFromJwks } from '../../core/auth/signing-keys.js';
import { createAuthGuard, remoteSigningKeys } from '../../api/shared/auth-guard.js';
import { defineRoute } from '../../api/shared/route.js';
import { call, tokenFor } from '../support/http.js';
import { probeApp } from '../support/probe-app.js';
import { getStack } from '../support/stack.js';

const errors = suite('errors are JSON with the status that fits');

async function testApp() {
  const stack = await getStack();
  const pool = stack.pools.media;
  await pool.query(sql.unsafe`create table if not exists http_error_probe (name text primary key)`);
  return probeApp(
    [
      defineRoute({
        method: 'POST',
        path: '/api/things',
        summary: 'Create a thing',
        access: 'user',
        body: z.object({ name: z.string().min(1), count: z.number().int() }),
        handler: async ({ body, event }) => {
          await pool.query(sql.unsafe`insert into http_error_probe (name) values (${body.name})`);
          event.res.status = 201;
          return { thing: body };
        },
      }),
      defineRoute({
        method: 'GET',
        path: '/api/things/:id',
        summary: 'Read a thing',
        access: 'staff',
        params: z.object({ id: z.coerce.number().int().positive() }),
        handler: ({ params, user }) => ({ id: params.id, by: user.id }),
      }),
      defineRoute({
        method: 'GET',
        path: '/api/broken',
        summary: 'A bug',
        access: 'public',
        handler: () => {
          throw new Error('secret internals at /srv/app.ts:12');
        },
      }),
    ],
    { corsOrigins: ['https://clinic.example'] },
  );
}

errors('malformed JSON is 400, invalid fields are 422 listing each field', async () => {
  const app = await testApp();
  const token = await tokenFor({ id: 1 });
  const malformed = await call(app, 'POST', '/api/things', {
    token,
    body: '{"name": "a",',
    headers: { 'content-type': 'application/json' },
  });
  assert.is(malformed.status, 400);
  assert.is(malformed.body.error, 'bad_request');
  assert.type(malformed.body.message, 'string');

  const invalid = await call(app, 'POST', '/api/things', { token, json: { name: '', count: 1.5 } });
  assert.is(invalid.status, 422);
  assert.is(invalid.body.error, 'validation_failed');
  assert.equal(Object.keys(invalid.body.details.fields).sort(), ['count', 'name']);

  const array = await call(app, 'POST', '/api/things', { token, json: [1, 2] });
  assert.is(array.status, 400);
});

errors('unknown routes are 404 JSON, wrong methods 405 with Allow', async () => {
  const app = await testApp();
  const missing = await call(app, 'GET', '/api/nothing-here');
  assert.is(missing.status, 404);
  assert.is(missing.body.error, 'not_found');
  assert.match(missing.headers.get('content-type') ?? '', /json/);

  const wrongMethod = await call(app, 'DELETE', '/api/things');
  assert.is(wrongMethod.status, 405);
  assert.is(wrongMethod.headers.get('allow'), 'POST');

  // Monitors probe with HEAD: the built-in pages answer it as they answer GET.
  for (const path of ['/', '/api', '/api/health', '/metrics', '/api/openapi.json', '/api/docs']) {
    assert.is((await call(app, 'HEAD', path)).status, 200, `HEAD ${path}`);
  }
});

errors('oversized and non-JSON bodies are refused before they are parsed', async () => {
  const app = await testApp();
  const token = await tokenFor({ id: 1 });
  const big = await call(app, 'POST', '/api/things', { token, json: { name: 'x'.repeat(5000), count: 1 } });
  assert.is(big.status, 413);
  assert.is(big.body.error, 'payload_too_large');
  const xml = await call(app, 'POST', '/api/things', { token, body: '<thing/>', headers: { 'content-type': 'application/xml' } });
  assert.is(xml.status, 415);
});

errors('a constraint violation is a 409 and nothing is half-written', async () => {
  const app = await testApp();
  const token = await tokenFor({ id: 1 });
  const name = `thing-${randomUUID()}`;
  assert.is((await call(app, 'POST', '/api/things', { token, json: { name, count: 1 } })).status, 201);
  const duplicate = await call(app, 'POST', '/api/things', { token, json: { name, count: 2 } });
  assert.is(duplicate.status, 409);
  assert.is(duplicate.body.error, 'conflict');
});

errors('a bug is a 500 that reveals nothing, and carries the request id', async () => {
  const app = await testApp();
  const response = await call(app, 'GET', '/api/broken', { headers: { 'x-request-id': 'req-123' } });
  assert.is(response.status, 500);
  assert.equal(Object.keys(response.body).sort(), ['error', 'message']);
  assert.not.match(response.text, /secret|srv|stack/);
  assert.is(response.headers.get('x-request-id'), 'req-123');
});

errors('a handler stuck on a dependency that stopped answering is a 503 at the deadline, not a hang', async () => {
  const app = await probeApp(
    [defineRoute({ method: 'GET', path: '/api/stuck', summary: 'waits for a frozen database', access: 'public', handler: () => new Promise(() => {}) })],
    { handlerTimeoutMs: 300 },
  );
  const started = performance.now();
  const answer = await call(app, 'GET', '/api/stuck');
  assert.equal([answer.status, answer.body.error], [503, 'service_unavailable']);
  assert.ok(performance.now() - started < 5000);
});

errors('the access log names the route with its ids, never a share token or the codec secret, preflights and 405s included', async () => {
  const lines: Array<{ msg?: string; path?: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const app = await probeApp(
    [
      defineRoute({ method: 'GET', path: '/api/shared/:token', summary: 'a secret in the path', access: 'public', handler: () => ({}) }),
      defineRoute({ method: 'POST', path: '/api/codec/:secret/decode', summary: 'a secret in the path', access: 'public', corsOrigins: ['https://ui.example'], handler: () => ({}) }),
      defineRoute({ method: 'GET', path: '/api/file/:id', summary: 'an id in the path', access: 'public', handler: () => ({}) }),
    ],
    { logger },
  );
  await call(app, 'GET', '/api/shared/Zm9vYmFyLXNlY3JldC10b2tlbi0xMjM0NTY3ODk');
  await call(app, 'POST', '/api/codec/c2VjcmV0LWNvZGVjLWFkZHJlc3M/decode');
  await call(app, 'OPTIONS', '/api/codec/c2VjcmV0LWNvZGVjLWFkZHJlc3M/decode', { headers: { origin: 'https://ui.example', 'access-control-request-method': 'POST' } });
  await call(app, 'DELETE', '/api/shared/Zm9vYmFyLXNlY3JldC10b2tlbi0xMjM0NTY3ODk');
  await call(app, 'GET', '/api/file/42');
  const paths = lines.filter((line) => line.msg === 'request').map((line) => line.path);
  assert.equal(paths, ['/api/shared/:token', '/api/codec/:secret/decode', '/api/codec/:secret/decode', '/api/shared/:token', '/api/file/42']);
});

errors('CORS answers preflights for configured origins only', async () => {
  const app = await testApp();
  const allowed = await call(app, 'OPTIONS', '/api/things', {
    headers: { origin: 'https://clinic.example', 'access-control-request-method': 'POST' },
  });
  assert.is(allowed.status, 204);
  assert.is(allowed.headers.get('access-control-allow-origin'), 'https://clinic.example');
  const other = await call(app, 'GET', '/api/nothing', { headers: { origin: 'https://evil.example' } });
  assert.is(other.headers.get('access-control-allow-origin'), null);
});

const guard = suite('access tokens are verified locally');

guard('no token is 401, too small a role is 403, the right role passes', async () => {
  const app = await testApp();
  const anonymous = await call(app, 'GET', '/api/things/7');
  assert.is(anonymous.status, 401);
  assert.is(anonymous.headers.get('www-authenticate'), 'Bearer');
  const user = await call(app, 'GET', '/api/things/7', { token: await tokenFor({ id: 5, role: 'user' }) });
  assert.is(user.status, 403);
  const staff = await call(app, 'GET', '/api/things/7', { token: await tokenFor({ id: 5, role: 'staff' }) });
  assert.equal([staff.status, staff.body], [200, { id: 7, by: 5 }]);
  const admin = await call(app, 'GET', '/api/things/7', { token: await tokenFor({ id: 6, role: 'admin' }) });
  assert.is(admin.status, 200);
});

guard('forged, expired, foreign and unsigned tokens are refused', async () => {
  const app = await testApp();
  const { keys, config } = await getStack();
  const claims = { userId: 5, role: 'admin' as const, sessionId: randomUUID() };
  const settings = { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: 60 };

  const otherKeys = await signingKeysFromJwks([await generateSigningJwk()]);
  const foreign = (await issueAccessToken(otherKeys, claims, settings)).token;
  const wrongAudience = (await issueAccessToken(keys, claims, { ...settings, audience: 'someone-else' })).token;
  const wrongIssuer = (await issueAccessToken(keys, claims, { ...settings, issuer: 'evil' })).token;
  const expired = await new SignJWT({ role: 'admin', sid: claims.sessionId })
    .setProtectedHeader({ alg: 'EdDSA', kid: keys.current.kid })
    .setSubject('5')
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
    .setExpirationTime(Math.floor(Date.now() / 1000) - 600)
    .sign(keys.current.privateKey);
  const valid = (await issueAccessToken(keys, claims, settings)).token;
  const [header, payload] = valid.split('.');
  const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
  const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: '1' })).toString('base64url')}.${valid.split('.')[2]}`;

  for (const [label, token] of Object.entries({ foreign, wrongAudience, wrongIssuer, unsigned, tampered })) {
    const response = await call(app, 'GET', '/api/things/1', { token });
    assert.is(response.status, 401, label);
    assert.is(response.body.error, 'invalid_token', label);
  }
  const late = await call(app, 'GET', '/api/things/1', { token: expired });
  assert.equal([late.status, late.body.error], [401, 'token_expired']);
  assert.is((await call(app, 'GET', '/api/things/1', { token: valid })).status, 200);
  const malformedHeader = await call(app, 'GET', '/api/things/1', { headers: { authorization: `Token ${valid}` } });
  assert.is(malformedHeader.status, 401);
});

guard('another service trusts a rotated-in key within seconds, and a JWKS the auth service cannot serve is a 503', async () => {
  const { config } = await getStack();
  const settings = { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: 60 };
  const [oldKey, newKey] = [await generateSigningJwk(), await generateSigningJwk()];
  let served = await signingKeysFromJwks([oldKey]);
  let status = 200;
  const auth = async () => new Response(JSON.stringify(served.jwks), { status, headers: { 'content-type': 'application/json' } });
  const remote = createAuthGuard({ keys: remoteSigningKeys('http://auth.test', auth), issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });
  const app = await probeApp([defineRoute({ method: 'GET', path: '/api/me', summary: 'me', access: 'user', handler: ({ user }) => ({ id: user.id }) })], { guard: remote });
  const claims = (sessionId: string) => ({ userId: 5, role: 'user' as const, sessionId });
  const before = (await issueAccessToken(served, claims(randomUUID()), settings)).token;
  assert.is((await call(app, 'GET', '/api/me', { token: before })).status, 200);

  served = await signingKeysFromJwks([newKey, oldKey]); // auth restarted with a new newest key
  const after = (await issueAccessToken(served, claims(randomUUID()), settings)).token;
  await new Promise((resolve) => setTimeout(resolve, 2100));
  assert.is((await call(app, 'GET', '/api/me', { token: after })).status, 200, 'the new kid is fetched, not refused for 30 s');

  status = 502; // a proxy's answer while auth restarts
  const unseen = (await issueAccessToken(await signingKeysFromJwks([await generateSigningJwk()]), claims(randomUUID()), settings)).token;
  await new Promise((resolve) => setTimeout(resolve, 2100));
  const down = await call(app, 'GET', '/api/me', { token: unseen });
  assert.equal([down.status, down.body.error], [503, 'service_unavailable']);
});

errors.run();
guard.run();
