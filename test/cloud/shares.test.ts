import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createCloudApp } from '../../api/cloud/app.js';
import { startHttpServer } from '../../api/shared/server.js';
import { tokenFor } from '../support/http.js';
import { ensureWorkers, getStack } from '../support/stack.js';
import { onTeardown } from '../support/teardown.js';

let base: string | undefined;
async function url(path: string) {
  if (!base) {
    const stack = await getStack();
    await ensureWorkers();
    const server = await startHttpServer(createCloudApp({ ...stack.depsFor('cloud'), guard: stack.guard }), { host: '127.0.0.1', port: 0, graceMs: 1000 });
    onTeardown(() => server.close());
    base = server.url;
  }
  return `${base}${path}`;
}

async function fileOf(token: string, content: string) {
  const form = new FormData();
  form.append('file', new Blob([content]), `shared-${Math.random()}.txt`);
  const response = await fetch(await url('/api/cloud/upload'), { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  return ((await response.json()) as { files: Array<{ id: number }> }).files[0]!.id;
}

async function share(token: string, fileId: number, json: object) {
  const response = await fetch(await url(`/api/cloud/share/${fileId}`), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(json) });
  return { status: response.status, body: (await response.json()) as any };
}

async function open(link: string, headers: Record<string, string> = {}) {
  const response = await fetch(await url(`/api/cloud/shared/${link}`), { headers });
  const text = await response.text();
  return { status: response.status, text, error: response.headers.get('content-type')?.includes('json') ? JSON.parse(text).error : undefined };
}

const shares = suite('share links');

shares('a link downloads without login until its workflow expires it', async () => {
  const owner = await tokenFor({ id: 3_000_000 + Math.floor(Math.random() * 100_000) });
  const fileId = await fileOf(owner, 'report for the insurer');
  const created = await share(owner, fileId, { expires_in: 3 });
  assert.is(created.status, 201);
  assert.match(created.body.shared_link, /^[A-Za-z0-9_-]{22}$/, '128 bits, URL-safe');
  assert.is(created.body.share_url, `/api/cloud/shared/${created.body.shared_link}`);
  assert.equal(await open(created.body.shared_link).then((r) => [r.status, r.text]), [200, 'report for the insurer']);
  const { temporal } = await getStack();
  const [link] = (await (await fetch(await url(`/api/cloud/file/${fileId}/shares`), { headers: { authorization: `Bearer ${owner}` } })).json() as { shares: Array<{ id: number; download_count: number }> }).shares;
  assert.is(link!.download_count, 1);
  assert.is(await temporal.workflow.getHandle(`share-${link!.id}`).result(), 'expired', 'the timer fired');
  const after = (await (await fetch(await url(`/api/cloud/file/${fileId}/shares`), { headers: { authorization: `Bearer ${owner}` } })).json() as { shares: Array<{ state: string }> }).shares;
  assert.is(after[0]!.state, 'expired');
  assert.equal(await open(created.body.shared_link).then((r) => [r.status, r.error]), [410, 'link_expired']);
  assert.is((await open('no-such-token-at-all')).status, 404);
});

shares('revocation, download limits and passwords', async () => {
  const owner = await tokenFor({ id: 3_200_000 + Math.floor(Math.random() * 100_000) });
  const fileId = await fileOf(owner, 'x-ray');
  const revocable = (await share(owner, fileId, { expires_in: 3600 })).body.shared_link;
  const stranger = await tokenFor({ id: 3_400_000 + Math.floor(Math.random() * 100_000) });
  assert.is((await fetch(await url(`/api/cloud/share/${revocable}`), { method: 'DELETE', headers: { authorization: `Bearer ${stranger}` } })).status, 404);
  assert.is((await fetch(await url(`/api/cloud/share/${revocable}`), { method: 'DELETE', headers: { authorization: `Bearer ${owner}` } })).status, 200);
  assert.equal(await open(revocable).then((r) => [r.status, r.error]), [410, 'link_revoked']);
  // Its workflow was waiting out an hour's start delay; the revoke ends it now, not at the expiry.
  const [revokedLink] = (await (await fetch(await url(`/api/cloud/file/${fileId}/shares`), { headers: { authorization: `Bearer ${owner}` } })).json() as { shares: Array<{ id: number }> }).shares;
  const { temporal } = await getStack();
  const ended = temporal.workflow.getHandle(`share-${revokedLink!.id}`).result();
  const tooLate = new Promise<string>((resolve) => setTimeout(resolve, 15_000, 'still waiting after 15 s').unref());
  assert.is(await Promise.race([ended, tooLate]), 'revoked');

  const once = (await share(owner, fileId, { expires_in: 3600, max_downloads: 1 })).body.shared_link;
  assert.is((await open(once)).status, 200);
  assert.equal(await open(once).then((r) => [r.status, r.error]), [410, 'download_limit']);

  const locked = (await share(owner, fileId, { expires_in: 3600, password: 'open sesame' })).body.shared_link;
  assert.equal(await open(locked).then((r) => [r.status, r.error]), [401, 'password_required']);
  assert.equal(await open(locked, { 'x-share-password': 'wrong' }).then((r) => [r.status, r.error]), [403, 'wrong_password']);
  assert.equal(await open(locked, { 'x-share-password': 'open sesame' }).then((r) => [r.status, r.text]), [200, 'x-ray']);

  assert.is((await share(stranger, fileId, { expires_in: 60 })).status, 404, 'only the owner shares');
  assert.is((await share(owner, fileId, { expires_at: '2001-01-01T00:00:00Z' })).status, 422);
});

shares('an owner who lost the token revokes a link by its id, from the file’s list of links', async () => {
  const owner = await tokenFor({ id: 3_600_000 + Math.floor(Math.random() * 100_000) });
  const stranger = await tokenFor({ id: 3_700_000 + Math.floor(Math.random() * 100_000) });
  const fileId = await fileOf(owner, 'leaked plan');
  const otherFileId = await fileOf(owner, 'another plan');
  const leaked = (await share(owner, fileId, { expires_in: 365 * 24 * 3600 })).body.shared_link;
  const kept = (await share(owner, fileId, { expires_in: 3600 })).body.shared_link;
  const listed = async () =>
    ((await (await fetch(await url(`/api/cloud/file/${fileId}/shares`), { headers: { authorization: `Bearer ${owner}` } })).json()) as { shares: Array<{ id: number; state: string }> }).shares;
  const leakedId = (await listed()).at(-1)!.id;
  const revokeById = async (token: string, path: string) => fetch(await url(path), { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });

  assert.is((await revokeById(stranger, `/api/cloud/file/${fileId}/shares/${leakedId}`)).status, 404, 'not the stranger’s');
  assert.is((await revokeById(owner, `/api/cloud/file/${otherFileId}/shares/${leakedId}`)).status, 404, 'not a link of that file');
  assert.is((await open(leaked)).status, 200, 'untouched by refused attempts');
  const revoked = await revokeById(owner, `/api/cloud/file/${fileId}/shares/${leakedId}`);
  assert.equal([revoked.status, ((await revoked.json()) as { message: string }).message], [200, 'Share link revoked']);
  assert.equal(await open(leaked).then((r) => [r.status, r.error]), [410, 'link_revoked']);
  assert.is((await open(kept)).status, 200, 'the other link of the file still works');
  assert.equal((await listed()).map((link) => link.state), ['active', 'revoked']);
  // As with a revoke by token, its workflow (a year's start delay) ends now.
  const { temporal } = await getStack();
  const ended = temporal.workflow.getHandle(`share-${leakedId}`).result();
  const tooLate = new Promise<string>((resolve) => setTimeout(resolve, 15_000, 'still waiting after 15 s').unref());
  assert.is(await Promise.race([ended, tooLate]), 'revoked');
});

shares.run();
