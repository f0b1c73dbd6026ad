// Property-based fuzzing of every JSON route, query string and path parameter of the four services
// (routes and field names read from their own OpenAPI documents): whatever arrives, the answer is a
// 2xx/3xx or a 4xx JSON error, never a 5xx, and the services keep answering. Seeded: a failure
// prints the seed and the shrunk input, and FUZZ_SEED=<seed> replays it.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ServiceName } from '../../config/index.js';
import { getServices, type Services } from './services.js';

const test = suite('fuzzing');
const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2500);

// Routes that end the fuzzing admin's own session would only turn the rest of the run into 401s;
// the auth suites cover them.
const SKIPPED = [/logout/, /^DELETE \/api\/auth\/sessions/, /change-password/];

interface Target {
  service: ServiceName;
  method: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  bodyFields: string[] | null;
}

async function targetsOf(services: Services): Promise<Target[]> {
  const targets: Target[] = [];
  for (const service of Object.keys(services.urls) as ServiceName[]) {
    const document = (await services.request(service, 'GET', '/api/openapi.json')).body;
    for (const [path, operations] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, operation] of Object.entries<any>(operations)) {
        const key = `${method.toUpperCase()} ${path}`;
        if (SKIPPED.some((pattern) => pattern.test(key)) || operation.requestBody?.content?.['multipart/form-data']) continue;
        const parameters = (operation.parameters ?? []) as Array<{ name: string; in: string }>;
        const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
        targets.push({
          service,
          method: method.toUpperCase(),
          path,
          pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
          queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
          bodyFields: bodySchema ? Object.keys(bodySchema.properties ?? {}) : null,
        });
      }
    }
  }
  return targets;
}

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    "' OR 1=1 --",
    "'); drop table patients; --",
    '../../../../etc/passwd',
    '..\\..\\windows',
    '%00',
    '\u0000',
    '\ud800',
    '<script>alert(1)</script>',
    '${7*7}',
    '9'.repeat(400),
    '-1',
    '1e309',
    'NaN',
    'null',
    '2026-02-30T25:61:00',
    ' ',
  ),
  fc.string({ minLength: 5000, maxLength: 20000 }),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 63, 0, -0, 1.5),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.jsonValue({ maxDepth: 3 }),
);
/** Path segments sent as they are, not encoded: broken percent escapes, encoded slashes and dots. */
const rawSegment = fc.constantFrom('%', '%ZZ', '%E0%A4%A', '%C0%AE%C0%AE', '%2e%2e', '..%2F..%2Fetc', '%2F', '%5C', '%00', '1%00', '%FF%FE', '1;drop', '1,2', '1e3', '0x10', '+1').map((raw) => ({ raw }));

/** Raw bodies that are not the JSON object a route expects. */
const rawBody = fc.oneof(
  fc.constantFrom('', '{', '{"a":', 'null', '[]', '"text"', '1', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}'),
  fc.string({ maxLength: 200 }),
  fc.integer({ min: 1, max: 200 }).map((depth) => '['.repeat(depth * 50) + ']'.repeat(depth * 50)),
);

function caseFor(target: Target) {
  return fc.record({
    params: fc.tuple(...target.pathParams.map(() => fc.oneof(hostileString, fc.integer().map(String), rawSegment))),
    query: fc.dictionary(fc.constantFrom(...target.queryParams, 'unexpected'), hostileString, { maxKeys: 4 }),
    body: target.bodyFields === null
      ? fc.constant(undefined)
      : fc.oneof(
          { weight: 3, arbitrary: fc.dictionary(fc.constantFrom(...(target.bodyFields.length ? target.bodyFields : ['x']), 'extra'), hostileValue, { maxKeys: 8 }).map((json) => ({ json })) },
          { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((json) => ({ json })) },
          { weight: 1, arbitrary: fc.tuple(rawBody, fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data')).map(([text, type]) => ({ text, type })) },
        ),
  });
}

test(`no input makes any JSON route answer 5xx (seed ${SEED}, ${RUNS} cases)`, async () => {
  const services = await getServices();
  const targets = await targetsOf(services);
  assert.ok(targets.length > 50, `routes found: ${targets.length}`);
  const token = services.callers.admin.token;

  const arbitrary = fc.integer({ min: 0, max: targets.length - 1 }).chain((index) => caseFor(targets[index]!).map((input) => ({ target: targets[index]!, input })));
  const result = await fc.check(
    fc.asyncProperty(arbitrary, async ({ target, input }) => {
      let path = target.path;
      target.pathParams.forEach((name, index) => {
        const param = input.params[index] as string | { raw: string };
        path = path.replace(`{${name}}`, typeof param === 'object' ? param.raw : encodeURIComponent(String(param).toWellFormed()));
      });
      const query = new URLSearchParams(Object.entries(input.query).map(([key, value]): [string, string] => [key, String(value)])).toString();
      const body = input.body as { json?: unknown; text?: string; type?: string } | undefined;
      const answer = await services.request(target.service, target.method, `${path}${query ? `?${query}` : ''}`, {
        token,
        ...(body && 'json' in body ? { json: body.json } : {}),
        ...(body && 'text' in body ? { body: body.text, headers: { 'content-type': body.type! } } : {}),
      });
      const label = `${answer.status} ${answer.text.slice(0, 200)} ← ${target.method} ${target.path} ${JSON.stringify(input).slice(0, 600)}`;
      if (answer.status >= 500) throw new Error(label);
      if (answer.status >= 400 && target.method !== 'HEAD' && typeof answer.body?.error !== 'string') throw new Error(`not a JSON error: ${label}`);
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
  // fast-check's own report repeats the (possibly huge) counterexample: keep the part that explains it.
  if (result.failed) {
    const why = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
    assert.unreachable(`seed ${SEED}, run ${result.numRuns} (FUZZ_SEED=${SEED} replays it): ${why.slice(0, 1500)}`);
  }

  for (const service of Object.keys(services.urls) as ServiceName[]) {
    assert.is((await services.request(service, 'GET', '/api/health')).status, 200, `${service} still healthy`);
  }
});

test.run();
