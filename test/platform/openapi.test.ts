// The OpenAPI documents are valid OpenAPI 3.1, and their examples are true: each documented example
// request, replayed against the real service, gets a success whose body matches the documented
// response schema (additional properties included: a field the code adds without documenting fails).
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import type { H3 } from 'h3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createAuthApp } from '../../api/auth/app.js';
import { createCloudApp } from '../../api/cloud/app.js';
import { createDentalApp } from '../../api/dental/app.js';
import { createMediaApp } from '../../api/media/app.js';
import { call, tokenFor } from '../support/http.js';
import { getStack } from '../support/stack.js';

const test = suite('OpenAPI documents');

async function apps(): Promise<Record<string, H3>> {
  const stack = await getStack();
  return {
    auth: createAuthApp({ ...stack.depsFor('auth'), keys: stack.keys, config: { ...stack.config, TRUST_PROXY: true } }),
    media: createMediaApp({ ...stack.depsFor('media'), guard: stack.guard }),
    cloud: createCloudApp({ ...stack.depsFor('cloud'), guard: stack.guard }),
    dental: createDentalApp({ ...stack.depsFor('dental'), guard: stack.guard }),
  };
}

test('each service’s document is valid OpenAPI 3.1', async () => {
  for (const [service, app] of Object.entries(await apps())) {
    const document = (await call(app, 'GET', '/api/openapi.json')).body;
    const result = await new Validator().validate(document);
    assert.ok(result.valid, `${service}: ${String(JSON.stringify(result)).slice(0, 1500)}`);
  }
});

test('every documented example succeeds and answers as documented', async () => {
  const admin = await tokenFor({ id: 880_000 + Math.floor(Math.random() * 10_000), role: 'admin' });
  let replayed = 0;
  for (const [service, app] of Object.entries(await apps())) {
    const document = (await call(app, 'GET', '/api/openapi.json')).body;
    const ajv = new Ajv2020.default({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'doc', components: document.components }, 'doc');
    for (const [path, operations] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, operation] of Object.entries<any>(operations)) {
        const body = operation.requestBody?.content?.['application/json']?.example;
        const query = Object.fromEntries((operation.parameters ?? []).filter((p: any) => p.in === 'query' && p.example !== undefined).map((p: any) => [p.name, p.example]));
        if (body === undefined && !Object.keys(query).length) continue;
        const search = new URLSearchParams(query).toString();
        const token = operation.security?.length && Object.keys(operation.security[0]).length ? admin : undefined;
        const answer = await call(app, method.toUpperCase(), `${path}${search ? `?${search}` : ''}`, { token, json: body, headers: { 'x-forwarded-for': '10.250.0.1' } });
        const label = `${service} ${method.toUpperCase()} ${path}`;
        assert.ok(answer.status < 300, `${label}: the example got ${answer.status} ${answer.text.slice(0, 300)}`);
        const documented = operation.responses[String(answer.status)];
        assert.ok(documented, `${label}: ${answer.status} is not documented`);
        const schema = documented.content?.['application/json']?.schema;
        assert.ok(schema, `${label}: its ${answer.status} answer has no documented schema`);
        const validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')));
        assert.ok(validate(answer.body), `${label}: ${ajv.errorsText(validate.errors)} in ${answer.text.slice(0, 300)}`);
        replayed++;
      }
    }
  }
  assert.ok(replayed >= 8, `examples replayed: ${replayed}`);
});

test.run();
