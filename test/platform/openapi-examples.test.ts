// The documented examples are true. Each service runs on a real port (uploads need a Node request);
// every operation its OpenAPI document gives an example for (and every GET that takes no input) is
// replayed as documented, with a real session of the role its route needs, and the answer must be a
// success whose body matches the schema documented for that status (extra fields fail too: the
// schemas are closed). Examples that name another example's rows (a file id, a patient id) get the
// ids that example really created. The same requests without a token, and the create requests sent a
// second time, must get the error answers their documents describe.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ServiceName } from '../../config/index.js';
import { getServices, type Services } from '../reliability/services.js';
import { documentAjv } from '../support/openapi-checks.js';

const test = suite('OpenAPI examples');

/** Each service's main routes: each documents its success schema, and an example unless it takes no input. */
const MAIN_ROUTES: Record<ServiceName, string[]> = {
  auth: ['POST /api/auth/register', 'POST /api/auth/login', 'POST /api/auth/refresh', 'GET /api/auth/profile', 'GET /api/auth/verify'],
  media: ['POST /api/media/upload', 'GET /api/media/files', 'GET /api/media/file/{id}'],
  cloud: ['POST /api/cloud/folders', 'GET /api/cloud/folders', 'POST /api/cloud/upload', 'GET /api/cloud/files', 'POST /api/cloud/share/{file_id_or_token}'],
  dental: ['POST /api/dental/patients', 'GET /api/dental/patients', 'POST /api/dental/dentists', 'POST /api/dental/appointments', 'GET /api/dental/appointments', 'POST /api/dental/treatments', 'GET /api/dental/patient/{id}'],
};

type Answer = { status: number; body: any; text: string };
type Fill = { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: Record<string, unknown> };
type Replayed = (key: string) => Promise<any>;

/**
 * Where an example's ids come from: the answers of the examples that create those rows (replayed
 * first if they were not yet). Keys are `METHOD /documented/path`.
 */
const LINKS: Record<string, (replayed: Replayed) => Promise<Fill>> = {
  'POST /api/auth/login': async (replayed) => (await replayed('POST /api/auth/register'), {}),
  'POST /api/auth/refresh': async (replayed) => ({ body: { refresh_token: (await replayed('POST /api/auth/login')).refresh_token } }),
  'GET /api/media/files': async (replayed) => (await replayed('POST /api/media/upload'), {}),
  'GET /api/media/file/{id}': async (replayed) => ({ params: { id: (await replayed('POST /api/media/upload')).files[0].id } }),
  'POST /api/cloud/upload': async (replayed) => ({ body: { folder_id: (await replayed('POST /api/cloud/folders')).folder.id } }),
  'GET /api/cloud/folders': async (replayed) => (await replayed('POST /api/cloud/folders'), {}),
  'GET /api/cloud/files': async (replayed) => ({ query: { folder_id: (await replayed('POST /api/cloud/upload')).files[0].folder_id } }),
  'GET /api/cloud/file/{id}': async (replayed) => ({ params: { id: (await replayed('POST /api/cloud/upload')).files[0].id } }),
  'POST /api/cloud/share/{file_id_or_token}': async (replayed) => ({ params: { file_id_or_token: (await replayed('POST /api/cloud/upload')).files[0].id } }),
  'GET /api/dental/patients': async (replayed) => (await replayed('POST /api/dental/patients'), {}),
  'GET /api/dental/dentists': async (replayed) => (await replayed('POST /api/dental/dentists'), {}),
  'POST /api/dental/appointments': async (replayed) => ({
    body: { patient_id: (await replayed('POST /api/dental/patients')).patient.id, dentist_id: (await replayed('POST /api/dental/dentists')).dentist.id },
  }),
  'GET /api/dental/appointments': async (replayed) => ({ query: { dentist_id: (await replayed('POST /api/dental/appointments')).appointment.dentist_id } }),
  'POST /api/dental/dentist/{id}/calendar-feeds': async (replayed) => ({ params: { id: (await replayed('POST /api/dental/dentists')).dentist.id } }),
  'GET /api/dental/availability': async (replayed) => ({ query: { dentist_id: (await replayed('POST /api/dental/appointments')).appointment.dentist_id } }),
  'POST /api/dental/treatments': async (replayed) => ({ body: { patient_id: (await replayed('POST /api/dental/patients')).patient.id } }),
  'GET /api/dental/treatments': async (replayed) => ({ query: { patient_id: (await replayed('POST /api/dental/treatments')).treatment.patient_id } }),
  // The patient's page lists the example's booking and treatment, so their items' schemas are checked too.
  'GET /api/dental/patient/{id}': async (replayed) => {
    await replayed('POST /api/dental/appointments');
    return { params: { id: (await replayed('POST /api/dental/treatments')).treatment.patient_id } };
  },
};

interface Operation {
  key: string;
  path: string;
  method: string;
  spec: Record<string, any>;
}

function operationsOf(document: Record<string, any>): Operation[] {
  return Object.entries<Record<string, any>>(document.paths).flatMap(([path, item]) =>
    Object.entries<Record<string, any>>(item).map(([method, spec]) => ({ key: `${method.toUpperCase()} ${path}`, path, method: method.toUpperCase(), spec })),
  );
}

const takesInput = (operation: Operation) => Boolean(operation.spec.parameters?.length || operation.spec.requestBody);
const hasExample = (operation: Operation) =>
  Boolean(
    operation.spec.parameters?.some((parameter: { example?: unknown }) => parameter.example !== undefined) ||
      Object.values<{ example?: unknown }>(operation.spec.requestBody?.content ?? {}).some((media) => media.example !== undefined),
  );
const successSchema = (operation: Operation) =>
  Object.entries<any>(operation.spec.responses).find(([status, response]) => status.startsWith('2') && response.content?.['application/json']?.schema);

/** The documented request, with the linked ids filled in. */
function requestOf(operation: Operation, fill: Fill): { path: string; json?: unknown; body?: FormData } {
  const parameters = (operation.spec.parameters ?? []) as Array<{ name: string; in: string; example?: unknown }>;
  const value = (parameter: { name: string; in: string; example?: unknown }) => (parameter.in === 'path' ? fill.params : fill.query)?.[parameter.name] ?? parameter.example;
  const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const parameter = parameters.find((candidate) => candidate.in === 'path' && candidate.name === name)!;
    assert.ok(value(parameter) !== undefined, `${operation.key}: no example for path parameter ${name}`);
    return encodeURIComponent(String(value(parameter)));
  });
  const query = new URLSearchParams();
  for (const parameter of parameters.filter((candidate) => candidate.in === 'query')) {
    if (value(parameter) !== undefined) query.set(parameter.name, String(value(parameter)));
  }
  const target = `${path}${query.size ? `?${query}` : ''}`;
  const content = operation.spec.requestBody?.content ?? {};
  if (content['application/json']) return { path: target, json: { ...content['application/json'].example, ...fill.body } };
  if (content['multipart/form-data']) {
    const { example = {}, encoding = {} } = content['multipart/form-data'];
    const form = new FormData();
    for (const [field, part] of Object.entries<unknown>({ ...example, ...fill.body })) {
      const file = encoding[field];
      if (!file) {
        form.append(field, String(part));
        continue;
      }
      const disposition = String(file.headers?.['Content-Disposition']?.example ?? '');
      const name = /filename="([^"]+)"/.exec(disposition)?.[1];
      assert.ok(name, `${operation.key}: the ${field} part documents no file name`);
      form.append(field, new Blob([String(part)], { type: file.contentType }), name);
    }
    return { path: target, body: form };
  }
  return { path: target };
}

async function tokenFor(services: Services, service: ServiceName, operation: Operation): Promise<string | undefined> {
  const shape = (path: string) => path.replace(/\{\w+\}|:\w+/g, '{}');
  const endpoint = services.endpoints.find((candidate) => candidate.service === service && candidate.method === operation.method && shape(candidate.path) === shape(operation.path));
  assert.ok(endpoint, `${operation.key} is listed at GET /api`);
  if (endpoint.access === 'public') return undefined;
  return services.callers[endpoint.access === 'optional' ? 'user' : endpoint.access].token;
}

function schemaCheck(document: Record<string, any>) {
  const { ajv, compile } = documentAjv(document);
  return (operation: Operation, answer: Answer) => {
    const response = operation.spec.responses[String(answer.status)];
    assert.ok(response, `${operation.key}: ${answer.status} is not documented (${answer.text.slice(0, 300)})`);
    assert.ok(response.content?.['application/json']?.schema, `${operation.key}: its ${answer.status} answer has no documented schema`);
    const validate = compile(['paths', operation.path, operation.method.toLowerCase(), 'responses', String(answer.status), 'content', 'application/json', 'schema']);
    assert.ok(validate(answer.body), `${operation.key} ${answer.status}: ${ajv.errorsText(validate.errors)} in ${answer.text.slice(0, 600)}`);
  };
}

test('each service’s main routes document an example and their success schema', async () => {
  const services = await getServices();
  for (const [service, keys] of Object.entries(MAIN_ROUTES) as Array<[ServiceName, string[]]>) {
    const operations = operationsOf((await services.request(service, 'GET', '/api/openapi.json')).body);
    for (const key of keys) {
      const operation = operations.find((candidate) => candidate.key === key);
      assert.ok(operation, `${service}: ${key} is documented`);
      assert.ok(successSchema(operation), `${key} documents the schema of its success`);
      assert.ok(hasExample(operation) || !takesInput(operation), `${key} documents an example request`);
    }
  }
});

test('every documented example succeeds, answers as documented, and its errors are shaped as documented', async () => {
  const services = await getServices();
  let replayedCount = 0;
  let errorChecks = 0;
  for (const service of Object.keys(MAIN_ROUTES) as ServiceName[]) {
    const document = (await services.request(service, 'GET', '/api/openapi.json')).body;
    const check = schemaCheck(document);
    const operations = operationsOf(document);
    const sent = new Map<string, { token: string | undefined; request: ReturnType<typeof requestOf> }>();
    const answers = new Map<string, Promise<any>>();

    const replayed: Replayed = (key) => {
      const operation = operations.find((candidate) => candidate.key === key);
      assert.ok(operation, `${service}: ${key} is documented`);
      if (!answers.has(key)) {
        answers.set(
          key,
          (async () => {
            const fill = (await LINKS[key]?.(replayed)) ?? {};
            const token = await tokenFor(services, service, operation);
            const request = requestOf(operation, fill);
            const answer = await services.request(service, operation.method, request.path, { token, json: request.json, body: request.body });
            assert.ok(answer.status >= 200 && answer.status < 300, `${key}: the example got ${answer.status} ${answer.text.slice(0, 400)}`);
            check(operation, answer);
            // An empty list would leave its items' schema unchecked: examples run after what they list.
            for (const [field, value] of Object.entries<unknown>(answer.body)) {
              assert.ok(!Array.isArray(value) || value.length > 0, `${key}: ${field} is empty, so its items went unchecked`);
            }
            sent.set(key, { token, request });
            replayedCount++;
            return answer.body;
          })(),
        );
      }
      return answers.get(key)!;
    };

    const examples = operations.filter((operation) => hasExample(operation) || (operation.method === 'GET' && !takesInput(operation) && successSchema(operation)));
    for (const operation of examples) await replayed(operation.key);

    for (const operation of examples) {
      const { token, request } = sent.get(operation.key)!;
      if (token) {
        // A multipart body is built again: a FormData is read once.
        const body = request.body && requestOf(operation, {}).body;
        const anonymous = await services.request(service, operation.method, request.path, { json: request.json, body });
        assert.is(anonymous.status, 401, `${operation.key} without a token: ${anonymous.text.slice(0, 300)}`);
        check(operation, anonymous);
        errorChecks++;
      }
      if (operation.method === 'POST' && operation.spec.responses['409'] && request.json) {
        const repeated = await services.request(service, operation.method, request.path, { token, json: request.json });
        assert.is(repeated.status, 409, `${operation.key} sent twice: ${repeated.text.slice(0, 300)}`);
        check(operation, repeated);
        errorChecks++;
      }
    }
  }
  assert.ok(replayedCount >= 20, `examples replayed: ${replayedCount}`);
  assert.ok(errorChecks >= 20, `error answers checked: ${errorChecks}`);
});

test.run();
