// Each service's GET /api/openapi.json is a valid OpenAPI 3.1 document: valid against the OpenAPI 3.1
// schema (@seriousme/openapi-schema-validator), and free of what that schema cannot see (Schema
// Objects that are not JSON Schema 2020-12, $refs to nowhere, paths OpenAPI counts as one, path
// parameters that do not match their template, examples that contradict their own schema).
import { Validator } from '@seriousme/openapi-schema-validator';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { call } from '../support/http.js';
import { documentProblems } from '../support/openapi-checks.js';
import { serviceApps } from '../support/services.js';

const test = suite('OpenAPI documents are valid');

async function documents(): Promise<Record<string, Record<string, any>>> {
  const served: Record<string, Record<string, any>> = {};
  for (const [service, app] of Object.entries(await serviceApps())) {
    const answer = await call(app, 'GET', '/api/openapi.json');
    assert.is(answer.status, 200, `${service}: ${answer.text.slice(0, 200)}`);
    served[service] = answer.body;
  }
  return served;
}

const copy = <T>(value: T): T => structuredClone(value);

test('each service’s document validates against the OpenAPI 3.1 schema', async () => {
  for (const [service, document] of Object.entries(await documents())) {
    const validator = new Validator();
    const result = await validator.validate(copy(document));
    assert.ok(result.valid, `${service}: ${JSON.stringify(result.errors, null, 1)?.slice(0, 3000)}`);
    assert.is(validator.version, '3.1', service);
  }
});

test('each service’s schemas, references, paths and examples hold', async () => {
  for (const [service, document] of Object.entries(await documents())) {
    assert.equal(documentProblems(document), [], service);
  }
});

test('the checks reject broken documents (so the two tests above can fail)', async () => {
  const document = (await documents()).dental!;
  const [path, item] = Object.entries<Record<string, any>>(document.paths).find(([template]) => template.includes('{'))!;
  const [method] = Object.keys(item);

  const noDescription = copy(document);
  delete noDescription.paths[path][method!].responses['503'].description;
  assert.not.ok((await new Validator().validate(noDescription)).valid, 'a response without description');
  const bodyParameter = copy(document);
  bodyParameter.paths[path][method!].parameters[0].in = 'body';
  assert.not.ok((await new Validator().validate(bodyParameter)).valid, 'a parameter "in: body" (OpenAPI 2)');

  const broken = copy(document);
  broken.paths[path.replace(/\{[^}]+\}/, '{other}')] = broken.paths[path];
  broken.components.schemas.Broken = { type: 'object', properties: { row: { $ref: '#/$defs/Row' } } };
  broken.components.schemas.NotASchema = { type: 'integer', minimum: 'zero' };
  const withExample = Object.values<any>(broken.paths).flatMap((operations) => Object.values<any>(operations)).find((operation) => operation.requestBody?.content?.['application/json']?.example);
  assert.ok(withExample, 'dental documents a request example');
  withExample.requestBody.content['application/json'].example = 'not an object';
  const problems = documentProblems(broken).join('\n');
  assert.match(problems, /differ only in parameter names/);
  assert.match(problems, /do not match the template/);
  assert.match(problems, /\$ref #\/\$defs\/Row resolves to nothing/);
  assert.match(problems, /NotASchema: not a JSON Schema 2020-12 schema/);
  assert.match(problems, /the example does not match its schema/);
});

test.run();
