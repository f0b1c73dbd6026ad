import { sql } from 'slonik';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tokenFor } from '../support/http.js';
import { getStack } from '../support/stack.js';
import { OwnerId, ShareExpiresAt } from '../../workflows/search-attributes.js';
import { newUserId, startCloud } from './client.js';

const guarantees = suite('share link guarantees');

async function sharedFile(content: string) {
  const cloud = await startCloud();
  const token = await tokenFor({ id: newUserId() });
  const file = (await cloud.upload(token, [[`f-${Math.random()}.txt`, content]])).body.files[0];
  const share = async (json: object) => (await cloud.api('POST', `/api/cloud/share/${file.id}`, token, json)).body.shared_link as string;
  const open = (link: string, headers: Record<string, string> = {}, method = 'GET') => cloud.api(method, `/api/cloud/shared/${link}`, undefined, undefined, headers);
  return { cloud, token, file, share, open };
}

guarantees('expiry holds on the download path even when no worker expired the row', async () => {
  const { share, open, cloud, token, file } = await sharedFile('late');
  assert.is((await cloud.api('POST', `/api/cloud/share/${file.id}`, token, { expires_in: 60, expires_at: new Date(Date.now() + 60_000).toISOString() })).status, 422);
  const link = await share({ expires_in: 3600 });
  assert.is((await open(link)).status, 200);
  // What a link looks like after its moment passed while the worker was down: still 'active'.
  const { pools } = await getStack();
  await pools.cloud.query(sql.unsafe`update share_links set expires_at = now() - interval '1 second' where file_id = ${file.id}`);
  const refused = await open(link);
  assert.equal([refused.status, refused.body.error], [410, 'link_expired']);
  // The owner's list says so too, though no workflow has marked the row yet.
  assert.is((await cloud.api('GET', `/api/cloud/file/${file.id}/shares`, token)).body.shares[0].state, 'expired');
  const row = await pools.cloud.oneFirst(sql.unsafe`select state from share_links where file_id = ${file.id}`);
  assert.is(row, 'active', 'the row itself waits for the workflow');
});

guarantees('every GET counts, ranges included; HEAD does not; concurrent downloads never pass the limit', async () => {
  const { share, open } = await sharedFile('0123456789');
  const twice = await share({ expires_in: 3600, max_downloads: 2 });
  assert.is((await open(twice, {}, 'HEAD')).status, 200);
  const first = await open(twice, { range: 'bytes=0-4' });
  assert.equal([first.status, first.body.toString()], [206, '01234']);
  assert.is((await open(twice, { range: 'bytes=5-' })).status, 206);
  assert.equal(await open(twice, { range: 'bytes=5-' }).then((r) => [r.status, r.body.error]), [410, 'download_limit']);

  const three = await share({ expires_in: 3600, max_downloads: 3 });
  const results = await Promise.all(Array.from({ length: 10 }, () => open(three)));
  assert.is(results.filter((r) => r.status === 200).length, 3, results.map((r) => r.status).join(','));
  assert.ok(results.filter((r) => r.status !== 200).every((r) => r.status === 410 && r.body.error === 'download_limit'));
});

guarantees('password links: header or form post; wrong guesses are throttled per link', async () => {
  const { share, open, cloud } = await sharedFile('locked content');
  const link = await share({ expires_in: 3600, password: 'correct horse' });
  const form = (password: string) =>
    fetch(`${cloud.base}/api/cloud/shared/${link}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ password }) });
  const posted = await form('correct horse');
  assert.equal([posted.status, await posted.text()], [200, 'locked content']);
  for (let attempt = 1; attempt <= 5; attempt++) {
    assert.equal(await open(link, { 'x-share-password': `guess ${attempt}` }).then((r) => [r.status, r.body.error]), [403, 'wrong_password']);
  }
  const throttled = await form('correct horse');
  assert.is(throttled.status, 429, 'even the right password waits once guessing was throttled');
  assert.ok(Number(throttled.headers.get('retry-after')) > 0);
  assert.is((await open(link, { 'x-share-password': 'guess 6' })).status, 429);

  // Guesses sent all at once get no more tries than guesses sent one by one.
  const fresh = await share({ expires_in: 3600, password: 'correct horse' });
  const burst = await Promise.all(Array.from({ length: 30 }, (_, index) => open(fresh, { 'x-share-password': `burst ${index}` })));
  const statuses = burst.map((answer) => answer.status);
  assert.equal([statuses.filter((status) => status === 403).length, statuses.filter((status) => status === 429).length], [5, 25], statuses.join(','));
});

guarantees('a link’s workflow is findable: owner and expiry as search attributes, a summary', async () => {
  const { share, cloud, token, file } = await sharedFile('findable');
  await share({ expires_in: 600 });
  const [link] = (await cloud.api('GET', `/api/cloud/file/${file.id}/shares`, token)).body.shares;
  const { temporal } = await getStack();
  const description = await temporal.workflow.getHandle(`share-${link.id}`).describe();
  assert.is(description.typedSearchAttributes.get(OwnerId), link.owner_id);
  const expiresAt = description.typedSearchAttributes.get(ShareExpiresAt);
  assert.ok(expiresAt && Math.abs(expiresAt.getTime() - Date.parse(link.expires_at)) < 1000, String(expiresAt));
  assert.ok((await description.staticSummary())?.includes('Share link'));
});

guarantees.run();
