// With Temporal unreachable, the routes that start workflows answer 503 and leave nothing behind.
import { Client, Connection } from '@temporalio/client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tokenFor } from '../support/http.js';
import { getStack } from '../support/stack.js';
import { onTeardown } from '../support/teardown.js';
import { newUserId, startCloud } from './client.js';

const down = suite('cloud without Temporal');

down('share creation and folder deletion answer 503 and write nothing', async () => {
  const { config } = await getStack();
  // Port 9 (discard) has no Temporal: every call fails as it would with the server down.
  const connection = Connection.lazy({ address: '127.0.0.1:9', connectTimeout: 500 });
  onTeardown(() => connection.close());
  const unreachable = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const broken = await startCloud({ temporal: unreachable, config: { TEMPORAL_REQUEST_TIMEOUT_MS: 1500 } });
  const healthy = await startCloud();
  const token = await tokenFor({ id: newUserId() });

  const folder = (await broken.api('POST', '/api/cloud/folders', token, { name: 'Keep me' })).body.folder;
  const file = (await broken.upload(token, [['kept.txt', 'still here']], folder.id)).body.files[0];
  const share = await broken.api('POST', `/api/cloud/share/${file.id}`, token, { expires_in: 60 });
  assert.equal([share.status, share.body.error], [503, 'service_unavailable']);
  assert.is((await healthy.api('GET', `/api/cloud/file/${file.id}/shares`, token)).body.shares.length, 0, 'no orphan share row');

  const deletion = await broken.api('DELETE', `/api/cloud/folder/${folder.id}`, token);
  assert.is(deletion.status, 503);
  const view = await healthy.api('GET', `/api/cloud/folder/${folder.id}`, token);
  assert.equal([view.status, view.body.files.length], [200, 1], 'the folder and its file are still there');

  // Revocation needs only the row: it works, and the timer finds the link closed later.
  const link = (await healthy.api('POST', `/api/cloud/share/${file.id}`, token, { expires_in: 60 })).body.shared_link;
  assert.is((await broken.api('DELETE', `/api/cloud/share/${link}`, token)).status, 200);
  assert.is((await healthy.api('GET', `/api/cloud/shared/${link}`)).body.error, 'link_revoked');
});

down.run();
