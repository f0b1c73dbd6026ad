import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createMediaApp } from '../../api/media/app.js';
import { call } from '../support/http.js';
import { getStack } from '../support/stack.js';

const info = suite('service info and health');

info('GET /api names the service, its version and its endpoints', async () => {
  const stack = await getStack();
  const app = createMediaApp({ ...stack.depsFor('media'), guard: stack.guard });
  for (const path of ['/', '/api']) {
    const response = await call(app, 'GET', path);
    assert.is(response.status, 200);
    assert.is(response.body.service, 'media');
    assert.match(response.body.version, /^\d+\.\d+\.\d+/);
    assert.ok(response.body.endpoints.some((endpoint: { path: string }) => endpoint.path === '/api/health'));
  }
});

info('GET /api/health is green when PostgreSQL and Temporal answer', async () => {
  const stack = await getStack();
  const app = createMediaApp({ ...stack.depsFor('media'), guard: stack.guard });
  const response = await call(app, 'GET', '/api/health');
  assert.is(response.status, 200);
  assert.equal(
    { status: response.body.status, service: response.body.service, database: response.body.database, temporal: response.body.temporal },
    { status: 'healthy', service: 'media', database: 'connected', temporal: 'connected' },
  );
  assert.ok(!Number.isNaN(Date.parse(response.body.timestamp)));
});

info.run();
