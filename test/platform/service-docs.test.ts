// Every real service documents every route it serves: the OpenAPI document is generated from the
// same route table, and generation must cope with every schema the services use.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createAuthApp } from '../../api/auth/app.js';
import { createCloudApp } from '../../api/cloud/app.js';
import { createDentalApp } from '../../api/dental/app.js';
import { createMediaApp } from '../../api/media/app.js';
import { call } from '../support/http.js';
import { getStack } from '../support/stack.js';

const docs = suite('service documentation');

docs('each service serves an OpenAPI 3.1 document listing every endpoint', async () => {
  const stack = await getStack();
  const apps = {
    auth: createAuthApp({ ...stack.depsFor('auth'), keys: stack.keys }),
    media: createMediaApp({ ...stack.depsFor('media'), guard: stack.guard }),
    cloud: createCloudApp({ ...stack.depsFor('cloud'), guard: stack.guard }),
    dental: createDentalApp({ ...stack.depsFor('dental'), guard: stack.guard }),
  };
  for (const [service, app] of Object.entries(apps)) {
    const document = await call(app, 'GET', '/api/openapi.json');
    assert.is(document.status, 200, `${service}: ${document.text.slice(0, 200)}`);
    assert.is(document.body.openapi, '3.1.0');
    const endpoints = (await call(app, 'GET', '/api')).body.endpoints as Array<{ method: string; path: string }>;
    // Paths differing only in parameter names are one OpenAPI path (its parameter named after all of theirs).
    const byShape = new Map(Object.keys(document.body.paths).map((path) => [path.replace(/\{\w+\}/g, '{}'), path]));
    for (const endpoint of endpoints) {
      const path = byShape.get(endpoint.path.replace(/:(\w+)/g, '{}')) ?? '';
      const operation = document.body.paths[path]?.[endpoint.method.toLowerCase()];
      assert.ok(operation, `${service}: ${endpoint.method} ${endpoint.path} is documented`);
      assert.ok(operation.responses['503'], `${service}: ${endpoint.method} ${endpoint.path} documents 503`);
    }
  }
});

docs.run();
