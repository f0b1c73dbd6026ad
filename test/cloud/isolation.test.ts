// Every cloud route, called by another user on the owner's things, answers as if they did not exist
// and changes nothing. The list is checked against the route table, so a new route cannot skip it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cloudRoutes } from '../../api/cloud/routes/index.js';
import { tokenFor } from '../support/http.js';
import { newUserId, startCloud } from './client.js';

const isolation = suite('cloud isolation');

isolation('another user gets 404 (or 403 for admin routes) on every route, and nothing changes', async () => {
  const cloud = await startCloud();
  const owner = await tokenFor({ id: newUserId() });
  const strangerId = newUserId();
  const stranger = await tokenFor({ id: strangerId });
  const folder = (await cloud.api('POST', '/api/cloud/folders', owner, { name: 'Private' })).body.folder;
  const file = (await cloud.upload(owner, [['private.txt', 'owner only']], folder.id)).body.files[0];
  const link = (await cloud.api('POST', `/api/cloud/share/${file.id}`, owner, { expires_in: 3600 })).body.shared_link;
  const linkId = (await cloud.api('GET', `/api/cloud/file/${file.id}/shares`, owner)).body.shares[0].id;
  const strangerFolder = (await cloud.api('POST', '/api/cloud/folders', stranger, { name: 'Theirs' })).body.folder;

  const attempts: Array<[method: string, route: string, path: string, json: unknown, expected: number]> = [
    ['GET', '/api/cloud/folder/:id', `/api/cloud/folder/${folder.id}`, undefined, 404],
    ['PATCH', '/api/cloud/folder/:id', `/api/cloud/folder/${folder.id}`, { name: 'Mine now' }, 404],
    ['PATCH', '/api/cloud/folder/:id', `/api/cloud/folder/${strangerFolder.id}`, { parent_id: folder.id }, 422],
    ['DELETE', '/api/cloud/folder/:id', `/api/cloud/folder/${folder.id}`, undefined, 404],
    ['POST', '/api/cloud/folders', '/api/cloud/folders', { name: 'Inside', parent_id: folder.id }, 422],
    ['GET', '/api/cloud/file/:id', `/api/cloud/file/${file.id}`, undefined, 404],
    ['PATCH', '/api/cloud/file/:id', `/api/cloud/file/${file.id}`, { name: 'stolen.txt' }, 404],
    ['DELETE', '/api/cloud/file/:id', `/api/cloud/file/${file.id}`, undefined, 404],
    ['GET', '/api/cloud/file/:id/versions', `/api/cloud/file/${file.id}/versions`, undefined, 404],
    ['GET', '/api/cloud/file/:id/shares', `/api/cloud/file/${file.id}/shares`, undefined, 404],
    ['GET', '/api/cloud/download/:id', `/api/cloud/download/${file.id}`, undefined, 404],
    ['POST', '/api/cloud/share/:file_id', `/api/cloud/share/${file.id}`, { expires_in: 60 }, 404],
    ['DELETE', '/api/cloud/share/:token', `/api/cloud/share/${link}`, undefined, 404],
    ['DELETE', '/api/cloud/file/:id/shares/:share_id', `/api/cloud/file/${file.id}/shares/${linkId}`, undefined, 404],
    ['PUT', '/api/cloud/quota/:user_id', `/api/cloud/quota/${strangerId}`, { quota_bytes: 10 ** 15 }, 403],
  ];
  for (const [method, , path, json, expected] of attempts) {
    const response = await cloud.api(method, path, stranger, json);
    assert.is(response.status, expected, `${method} ${path}: ${JSON.stringify(response.body)}`);
  }
  // Listings and the caller's own views show only the caller's things.
  assert.equal((await cloud.api('GET', '/api/cloud/folders', stranger)).body.folders.map((f: { id: number }) => f.id), [strangerFolder.id]);
  assert.is((await cloud.api('GET', `/api/cloud/files?folder_id=${folder.id}`, stranger)).body.total, 0);
  assert.is((await cloud.api('GET', '/api/cloud/files?q=private', stranger)).body.total, 0);
  assert.equal((await cloud.api('GET', '/api/cloud/stats', stranger)).body.files, 0);
  assert.is((await cloud.upload(stranger, [['x.txt', 'x']], folder.id)).status, 422, 'no uploads into another user’s folder');
  // The signed URL of the owner's file does not become the stranger's by adding a token.
  const signedForOwner = await cloud.api('GET', file.download_url, stranger);
  assert.is(signedForOwner.status, 404, 'a token takes precedence and the file is not theirs');

  // Nothing changed for the owner.
  const view = (await cloud.api('GET', `/api/cloud/folder/${folder.id}`, owner)).body;
  assert.equal([view.folder.name, view.files.map((f: { name: string }) => f.name)], ['Private', ['private.txt']]);
  assert.is((await cloud.api('GET', `/api/cloud/shared/${link}`)).status, 200, 'the link still works');

  const covered = new Set(attempts.map(([method, route]) => `${method} ${route}`));
  const publicOrOwn = new Set(['GET /api/cloud/folders', 'GET /api/cloud/files', 'GET /api/cloud/stats', 'POST /api/cloud/upload', 'GET /api/cloud/shared/:token', 'POST /api/cloud/shared/:token']);
  for (const route of cloudRoutes) {
    const key = `${route.method} ${route.path}`;
    assert.ok(covered.has(key) || publicOrOwn.has(key), `route ${key} has no isolation check`);
  }
});

isolation.run();
