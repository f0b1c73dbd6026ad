// Signed download URLs of media and cloud: signed only with a secret nobody can read in the source,
// never for longer than the services issue them, and dead once their user is deactivated (an admin's
// `as=admin` ones once the admin is demoted).
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'slonik';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createMediaApp } from '../../api/media/app.js';
import { startHttpServer } from '../../api/shared/server.js';
import { urlSigningSecret } from '../../config/url-signing-secret.js';
import { ConfigError } from '../../config/index.js';
import { eventually, freshIp, from, loggedIn } from '../auth/support.js';
import { startCloud } from '../cloud/client.js';
import { call, tokenFor } from '../support/http.js';
import { ensureWorkers, getStack } from '../support/stack.js';
import { onTeardown } from '../support/teardown.js';

/** The development secret the services fell back to when none was configured (issue #16). */
const SECRET_FROM_THE_SOURCE = 'development-only-url-signing-secret-not-for-production';

async function mediaBase() {
  const stack = await getStack();
  await ensureWorkers();
  const server = await startHttpServer(createMediaApp({ ...stack.depsFor('media'), guard: stack.guard }), { host: '127.0.0.1', port: 0, graceMs: 1000 });
  onTeardown(() => server.close());
  return server.url;
}

async function mediaUpload(base: string, token: string, name: string, content: string) {
  const form = new FormData();
  form.append('file', new Blob([content]), name);
  const response = await fetch(`${base}/api/media/upload`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as any;
  assert.is(response.status, 201, JSON.stringify(body));
  return body.files[0] as { id: number; download_url: string };
}

/** What signing with `secret` gives: the services' own message layout, "resource\nuser\nexpiry". */
function forge(secret: string, path: string, resource: string, userId: number, expiresAt: number) {
  const sig = createHmac('sha256', secret).update(`${resource}\n${userId}\n${expiresAt}`).digest('base64url');
  return `${path}?uid=${userId}&exp=${expiresAt}&sig=${sig}`;
}

const statusOf = async (url: string) => (await fetch(url)).status;

const signed = suite('signed download URLs');

signed('a URL signed with the secret written in the source opens nothing, in media or cloud', async () => {
  const owner = 7_100_000 + Math.floor(Math.random() * 100_000);
  const token = await tokenFor({ id: owner });
  const media = await mediaBase();
  const file = await mediaUpload(media, token, 'note.txt', 'private note\n');
  const cloud = await startCloud();
  const cloudFile = (await cloud.upload(token, [['plan.txt', 'private plan']])).body.files[0];
  const inAnHour = Math.ceil(Date.now() / 1000) + 3600;

  assert.is(await statusOf(`${media}${file.download_url}`), 200, 'the real URL works');
  assert.is(await statusOf(`${media}${forge(SECRET_FROM_THE_SOURCE, `/api/media/download/${file.id}`, `media-file:${file.id}`, owner, inAnHour)}`), 403);
  assert.is(await statusOf(`${cloud.base}${cloudFile.download_url}`), 200, 'the real URL works');
  assert.is(await statusOf(`${cloud.base}${forge(SECRET_FROM_THE_SOURCE, `/api/cloud/download/${cloudFile.id}`, `cloud-file:${cloudFile.id}`, owner, inAnHour)}`), 403);
});

signed('an expiry further ahead than the services ever sign is refused, even when correctly signed', async () => {
  const { config } = await getStack();
  const secret = urlSigningSecret(config);
  const owner = 7_200_000 + Math.floor(Math.random() * 100_000);
  const token = await tokenFor({ id: owner });
  const media = await mediaBase();
  const file = await mediaUpload(media, token, 'far.txt', 'far away\n');
  const cloud = await startCloud();
  const cloudFile = (await cloud.upload(token, [['far.txt', 'far away']])).body.files[0];
  const issuedExpiry = Number(new URL(file.download_url, 'http://x').searchParams.get('exp'));
  const in2036 = Date.parse('2036-01-01T00:00:00Z') / 1000;
  const tooFar = issuedExpiry + 3600;

  // The same secret the services use: the forged URLs below differ from theirs only in expiry.
  assert.is(await statusOf(`${media}${forge(secret, `/api/media/download/${file.id}`, `media-file:${file.id}`, owner, issuedExpiry)}`), 200);
  for (const expiresAt of [tooFar, in2036]) {
    assert.is(await statusOf(`${media}${forge(secret, `/api/media/download/${file.id}`, `media-file:${file.id}`, owner, expiresAt)}`), 403, `media exp ${expiresAt}`);
    assert.is(await statusOf(`${cloud.base}${forge(secret, `/api/cloud/download/${cloudFile.id}`, `cloud-file:${cloudFile.id}`, owner, expiresAt)}`), 403, `cloud exp ${expiresAt}`);
  }
});

signed('outside production the secret is generated once, kept private in its file and shared; production needs the variable', () => {
  const folder = mkdtempSync(join(tmpdir(), 'qhitz-url-secret-'));
  const settings = { NODE_ENV: 'development' as const, URL_SIGNING_SECRET: undefined, URL_SIGNING_SECRET_FILE: join(folder, 'data', 'url-signing-secret') };
  const first = urlSigningSecret(settings);
  assert.ok(first.length >= 32 && first !== SECRET_FROM_THE_SOURCE);
  assert.is(urlSigningSecret(settings), first, 'the second service reads the same secret');
  assert.is(readFileSync(settings.URL_SIGNING_SECRET_FILE, 'utf8').trim(), first);
  assert.is(statSync(settings.URL_SIGNING_SECRET_FILE).mode & 0o777, 0o600);
  const elsewhere = urlSigningSecret({ ...settings, URL_SIGNING_SECRET_FILE: join(folder, 'other') });
  assert.is.not(elsewhere, first, 'random, not a constant');
  assert.is(urlSigningSecret({ ...settings, URL_SIGNING_SECRET: 'z'.repeat(40) }), 'z'.repeat(40), 'the variable wins');
  assert.throws(() => urlSigningSecret({ ...settings, NODE_ENV: 'production' }), (error: Error) => error instanceof ConfigError && /URL_SIGNING_SECRET is not set/.test(error.message));
});

signed('deactivating a user ends the signed URLs made for them, in media and cloud', async () => {
  const stack = await getStack();
  const auth = stack.authApp;
  const member = await loggedIn(auth);
  const boss = await loggedIn(auth);
  await stack.pools.auth.query(sql.unsafe`update users set role = 'admin' where id = ${boss.id}`);
  const bossToken = (await call(auth, 'POST', '/api/auth/login', from(freshIp(), { json: { email: boss.email, password: boss.password } }))).body.token as string;

  const media = await mediaBase();
  const file = await mediaUpload(media, member.token, 'mine.txt', 'my notes\n');
  const cloud = await startCloud();
  const cloudFile = (await cloud.upload(member.token, [['mine.txt', 'my plan']])).body.files[0];
  const mediaUrl = `${media}${file.download_url}`;
  const cloudUrl = `${cloud.base}${cloudFile.download_url}`;
  assert.equal([await statusOf(mediaUrl), await statusOf(cloudUrl)], [200, 200]);

  const off = await call(auth, 'PUT', `/api/auth/users/${member.id}`, { token: bossToken, json: { is_active: false } });
  assert.is(off.status, 200, off.text);
  assert.ok(await eventually(async () => (await statusOf(mediaUrl)) === 403 && (await statusOf(cloudUrl)) === 403), 'refused within seconds');

  // Back in service: URLs made before the deactivation stay dead (they might have leaked meanwhile).
  assert.is((await call(auth, 'PUT', `/api/auth/users/${member.id}`, { token: bossToken, json: { is_active: true } })).status, 200);
  await new Promise((resolve) => setTimeout(resolve, 4500));
  assert.equal([await statusOf(mediaUrl), await statusOf(cloudUrl)], [403, 403], 'still refused after the reactivation');
  // …while the URLs they are given now work, though made within the five minutes of the old ones' expiry step.
  const again = (await call(auth, 'POST', '/api/auth/login', from(freshIp(), { json: { email: member.email, password: member.password } }))).body.token as string;
  const fresh = (await (await fetch(`${media}/api/media/file/${file.id}`, { headers: { authorization: `Bearer ${again}` } })).json()) as { file: { download_url: string } };
  const freshCloud = (await cloud.api('GET', `/api/cloud/file/${cloudFile.id}`, again)).body.file as { download_url: string };
  assert.equal([await statusOf(`${media}${fresh.file.download_url}`), await statusOf(`${cloud.base}${freshCloud.download_url}`)], [200, 200], 'new URLs work');
});

signed('taking admin away ends the as=admin URLs made for that admin; their own URLs keep working, and a re-promotion signs working ones', async () => {
  const stack = await getStack();
  const auth = stack.authApp;
  const member = await loggedIn(auth);
  const boss = await loggedIn(auth);
  const helper = await loggedIn(auth);
  await stack.pools.auth.query(sql.unsafe`update users set role = 'admin' where id in (${boss.id}, ${helper.id})`);
  const tokenOf = async (account: { email: string; password: string }) =>
    (await call(auth, 'POST', '/api/auth/login', from(freshIp(), { json: { email: account.email, password: account.password } }))).body.token as string;
  const bossToken = await tokenOf(boss);
  const media = await mediaBase();
  const theirs = await mediaUpload(media, member.token, 'theirs.txt', 'a member\'s notes\n');
  const urlOf = async (token: string, fileId: number) =>
    `${media}${((await (await fetch(`${media}/api/media/file/${fileId}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { file: { download_url: string } }).file.download_url}`;
  const helperToken = await tokenOf(helper);
  const asAdmin = await urlOf(helperToken, theirs.id);
  assert.match(asAdmin, /[?&]as=admin&/);
  const own = `${media}${(await mediaUpload(media, helperToken, 'own.txt', 'the helper\'s notes\n')).download_url}`;
  assert.equal([await statusOf(asAdmin), await statusOf(own)], [200, 200]);

  const demoted = await call(auth, 'PUT', `/api/auth/users/${helper.id}`, { token: bossToken, json: { role: 'staff' } });
  assert.is(demoted.status, 200, demoted.text);
  assert.ok(await eventually(async () => (await statusOf(asAdmin)) === 403), 'the admin URL is refused within seconds');
  assert.is(await statusOf(own), 200, 'a URL of their own file is no admin URL');

  // Admin again: the URLs made before the demotion stay dead, those signed now work (within the old ones' expiry step too).
  assert.is((await call(auth, 'PUT', `/api/auth/users/${helper.id}`, { token: bossToken, json: { role: 'admin' } })).status, 200);
  await new Promise((resolve) => setTimeout(resolve, 4500));
  assert.is(await statusOf(asAdmin), 403, 'still refused after the promotion');
  const fresh = await urlOf(await tokenOf(helper), theirs.id);
  assert.match(fresh, /[?&]as=admin&/);
  assert.is(await statusOf(fresh), 200, 'a URL signed after the promotion works');
});

signed.run();
