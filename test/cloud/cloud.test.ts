import { sql } from 'slonik';
import { suite } from 'uvu';
import { z } from 'zod';
import * as assert from 'uvu/assert';
import { createCloudApp } from '../../api/cloud/app.js';
import { startHttpServer } from '../../api/shared/server.js';
import { tokenFor } from '../support/http.js';
import { ensureWorkers, getStack } from '../support/stack.js';
import { onTeardown } from '../support/teardown.js';
import { deletionProgressQuery } from '../../workflows/cloud.js';

let base: string | undefined;
async function cloud() {
  if (base) return base;
  const stack = await getStack();
  await ensureWorkers();
  const server = await startHttpServer(createCloudApp({ ...stack.depsFor('cloud'), guard: stack.guard }), { host: '127.0.0.1', port: 0, graceMs: 1000 });
  onTeardown(() => server.close());
  base = server.url;
  return base;
}

async function api(method: string, path: string, token: string | undefined, json?: unknown) {
  const response = await fetch(`${await cloud()}${path}`, {
    method,
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(json !== undefined && { 'content-type': 'application/json' }) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, body: (type.includes('json') ? await response.json() : Buffer.from(await response.arrayBuffer())) as any };
}

async function upload(token: string, files: Array<[string, string | Buffer]>, folderId?: number) {
  const form = new FormData();
  for (const [name, data] of files) form.append(files.length === 1 ? 'file' : 'files', new Blob([typeof data === 'string' ? data : new Uint8Array(data)]), name);
  if (folderId !== undefined) form.append('folder_id', String(folderId));
  const response = await fetch(`${await cloud()}/api/cloud/upload`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as any };
}

const newUser = () => 1_000_000 + Math.floor(Math.random() * 1_000_000);
const drive = suite('cloud drive');

drive('folders form a tree with a breadcrumb; cycles, bad names and duplicates are refused', async () => {
  const token = await tokenFor({ id: newUser() });
  const a = (await api('POST', '/api/cloud/folders', token, { name: 'Clinic' })).body.folder;
  const b = (await api('POST', '/api/cloud/folders', token, { name: 'X-rays', parent_id: a.id })).body.folder;
  const c = (await api('POST', '/api/cloud/folders', token, { name: '2026', parent_id: b.id })).body.folder;
  const view = await api('GET', `/api/cloud/folder/${c.id}`, token);
  assert.equal(view.body.path.map((step: { name: string }) => step.name), ['Clinic', 'X-rays', '2026']);
  assert.equal((await api('GET', '/api/cloud/folders?parent_id=null', token)).body.folders.map((f: { id: number }) => f.id), [a.id]);
  assert.is((await api('GET', '/api/cloud/folders', token)).body.folders.length, 3);
  assert.is((await api('GET', `/api/cloud/folders?parent_id=${a.id}`, token)).body.folders[0].id, b.id);

  assert.is((await api('PATCH', `/api/cloud/folder/${a.id}`, token, { parent_id: c.id })).status, 409, 'not below itself');
  assert.is((await api('PATCH', `/api/cloud/folder/${a.id}`, token, { parent_id: a.id })).status, 409, 'not into itself');
  const taken = await api('POST', '/api/cloud/folders', token, { name: 'x-rays'.replace('x', 'X'), parent_id: a.id });
  assert.equal([taken.status, taken.body.message, taken.body.details], [409, 'Something in that folder already has this name', { field: 'name' }]);
  const renamedOntoSibling = await api('PATCH', `/api/cloud/folder/${c.id}`, token, { parent_id: a.id, name: 'X-rays' });
  assert.equal([renamedOntoSibling.status, renamedOntoSibling.body.details], [409, { field: 'name' }], 'a move onto a sibling’s name');
  for (const name of ['..', 'a/b', '', 'x'.repeat(256)]) assert.is((await api('POST', '/api/cloud/folders', token, { name })).status, 422, JSON.stringify(name));
  const moved = await api('PATCH', `/api/cloud/folder/${c.id}`, token, { parent_id: a.id, name: 'Archive' });
  assert.equal([moved.status, moved.body.folder.parent_id, moved.body.folder.name], [200, a.id, 'Archive']);

  const stranger = await tokenFor({ id: newUser() });
  assert.is((await api('GET', `/api/cloud/folder/${a.id}`, stranger)).status, 404);
  assert.is((await api('POST', '/api/cloud/folders', stranger, { name: 'Mine', parent_id: a.id })).status, 422);
});

drive('uploading a name again makes a version; old versions download', async () => {
  const token = await tokenFor({ id: newUser() });
  const folder = (await api('POST', '/api/cloud/folders', token, { name: 'Docs' })).body.folder;
  const first = await upload(token, [['plan.txt', 'version one']], folder.id);
  assert.is(first.status, 201, JSON.stringify(first.body));
  const second = await upload(token, [['plan.txt', 'version two, longer']], folder.id);
  const file = second.body.files[0];
  assert.equal([file.id, file.version], [first.body.files[0].id, 2]);
  const versions = (await api('GET', `/api/cloud/file/${file.id}/versions`, token)).body.versions;
  assert.equal(versions.map((v: { version: number; size_bytes: number }) => [v.version, v.size_bytes]), [[2, 19], [1, 11]]);
  assert.is(((await api('GET', `/api/cloud/download/${file.id}?version=1`, token)).body as Buffer).toString(), 'version one');
  assert.is(((await api('GET', `/api/cloud/download/${file.id}`, token)).body as Buffer).toString(), 'version two, longer');
  const signed = await fetch(`${await cloud()}${file.download_url}`);
  assert.equal([signed.status, await signed.text()], [200, 'version two, longer']);
  assert.is((await api('GET', `/api/cloud/download/${file.id}?version=7`, token)).status, 404);
  const stranger = await tokenFor({ id: newUser() });
  assert.is((await api('GET', `/api/cloud/file/${file.id}`, stranger)).status, 404);
  assert.is((await api('GET', `/api/cloud/download/${file.id}`, stranger)).status, 404);
  assert.is((await upload(token, [['x.txt', 'x']], 999_999_999)).status, 422, 'folder must be yours');
});

drive('ten concurrent uploads past the quota: final usage never above it, the rest get quota_exceeded', async () => {
  const userId = newUser();
  const [token, admin] = [await tokenFor({ id: userId }), await tokenFor({ id: 1, role: 'admin' })];
  assert.is((await api('PUT', `/api/cloud/quota/${userId}`, token, { quota_bytes: 1 })).status, 403);
  assert.is((await api('PUT', `/api/cloud/quota/${userId}`, admin, { quota_bytes: 50_000 })).status, 200);
  const results = await Promise.all(Array.from({ length: 10 }, (_, index) => upload(token, [[`part-${index}.bin`, Buffer.alloc(10_000, index)]])));
  const refused = results.filter((result) => result.status === 413);
  assert.ok(refused.length >= 5 && results.filter((result) => result.status === 201).length >= 1, results.map((r) => r.status).join(','));
  for (const refusal of refused) {
    assert.is(refusal.body.error, 'quota_exceeded');
    assert.is(refusal.body.quota, 50_000);
  }
  const stats = (await api('GET', '/api/cloud/stats', token)).body;
  assert.ok(stats.used <= 50_000, `used ${stats.used}`);
  assert.is(stats.used, (results.filter((r) => r.status === 201).length) * 10_000);
  assert.is(stats.files, results.filter((r) => r.status === 201).length);
});

drive('deleting a folder hides its subtree at once; the workflow removes it and frees its bytes', async () => {
  const token = await tokenFor({ id: newUser() });
  const top = (await api('POST', '/api/cloud/folders', token, { name: 'Old' })).body.folder;
  const inner = (await api('POST', '/api/cloud/folders', token, { name: 'Older', parent_id: top.id })).body.folder;
  await upload(token, [['a.txt', 'aaaa'], ['b.txt', 'bbbbbb']], top.id);
  await upload(token, [['c.txt', 'cc']], inner.id);
  assert.is((await api('GET', '/api/cloud/stats', token)).body.used, 12);
  const deletion = await api('DELETE', `/api/cloud/folder/${top.id}`, token);
  assert.equal([deletion.status, deletion.body.workflow_id], [202, `folder-delete-${top.id}`]);
  assert.is((await api('GET', `/api/cloud/folder/${inner.id}`, token)).status, 404, 'gone from view at once');
  assert.is((await api('GET', '/api/cloud/files', token)).body.total, 0);
  const { temporal } = await getStack();
  const progress = await temporal.workflow.getHandle(deletion.body.workflow_id).result();
  assert.equal([(progress as { filesRemoved: number }).filesRemoved, (progress as { done: boolean }).done], [3, true]);
  const state = await temporal.workflow.getHandle(deletion.body.workflow_id).query(deletionProgressQuery);
  assert.equal([state.folderId, state.filesRemoved, state.bytesFreed, state.done], [top.id, 3, 12, true], 'progress is queryable');
  const stats = (await api('GET', '/api/cloud/stats', token)).body;
  assert.equal([stats.used, stats.folders, stats.files], [0, 0, 0]);
  assert.is((await api('POST', '/api/cloud/folders', token, { name: 'Old' })).status, 201, 'the name is free again');
});

drive('a file that lands in a folder while it is being deleted is purged too, and its bytes freed', async () => {
  const userId = newUser();
  const token = await tokenFor({ id: userId });
  const top = (await api('POST', '/api/cloud/folders', token, { name: 'Racing' })).body.folder;
  await upload(token, [['early.txt', 'early']], top.id);
  const deletion = await api('DELETE', `/api/cloud/folder/${top.id}`, token);
  assert.is(deletion.status, 202);
  // An upload that checked the folder just before it was hidden commits just after (startDelay lets this land first).
  const { pools, temporal } = await getStack();
  await pools.cloud.transaction(async (transaction) => {
    const fileId = await transaction.oneFirst(sql.type(z.object({ id: z.number() }))`
      insert into cloud_files (owner_id, folder_id, name, size_bytes, storage_key)
      values (${userId}, ${top.id}, 'late.txt', 4, ${'f'.repeat(64)}) returning id`);
    await transaction.query(sql.unsafe`insert into file_versions (file_id, version, storage_key, size_bytes, mime_type) values (${fileId}, 1, ${'f'.repeat(64)}, 4, 'text/plain')`);
    await transaction.query(sql.unsafe`update quotas set used_bytes = used_bytes + 4 where owner_id = ${userId}`);
  });
  const progress = (await temporal.workflow.getHandle(deletion.body.workflow_id).result()) as { filesRemoved: number; bytesFreed: number };
  assert.equal([progress.filesRemoved, progress.bytesFreed], [2, 9]);
  assert.is((await api('GET', '/api/cloud/stats', token)).body.used, 0);
});

drive.run();
