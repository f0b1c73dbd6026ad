// The codec endpoint the Temporal Web UI and CLI decode through (served by the dental API): staff and
// admin tokens or the UI's secret address open it, everyone else gets a JSON 401/403; only the UI's
// origins get CORS answers, even where the service allows any origin; altered payloads are a 422. The
// dev server's UI is really given the endpoint, and the request it sends is answered.
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDentalApp } from '../../api/dental/app.js';
import { startHttpServer } from '../../api/shared/server.js';
import { codecEndpointForUi, temporalCodecUiSecret } from '../../temporal/codec-address.js';
import { ConfigError } from '../../config/index.js';
import { freePort } from '../../scripts/lib/ports.js';
import { startTemporalDevServer } from '../../scripts/lib/temporal-dev-server.js';
import { payloadCodec } from '../../temporal/data-converter.js';
import { ENCRYPTED_ENCODING } from '../../temporal/payload-codec.js';
import { generatePayloadKey } from '../../temporal/payload-keys.js';
import { dentalApp } from '../dental/support.js';
import { call, tokenFor } from '../support/http.js';
import { getStack } from '../support/stack.js';
import { onTeardown } from '../support/teardown.js';

const test = suite('Temporal codec endpoint');
const UI_ORIGIN = 'http://127.0.0.1:8233';

const asJson = (payload: Payload) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});
const valueOf = (json: { metadata: Record<string, string>; data: string }) =>
  defaultPayloadConverter.fromPayload<Record<string, unknown>>({ metadata: Object.fromEntries(Object.entries(json.metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')])), data: Buffer.from(json.data, 'base64') });

/** An appointment's booking arguments as the worker stores them: encrypted, in the protocol's JSON. */
async function encryptedBooking() {
  const { config } = await getStack();
  const [payload] = await payloadCodec(config).encode([defaultPayloadConverter.toPayload({ appointmentId: 7, reason: 'severe pain, HIV+ patient' })]);
  return { payloads: [asJson(payload!)] };
}

test('staff and admin tokens or the UI’s secret address decode; anonymous, forged and plain users get JSON 401/403', async () => {
  const app = await dentalApp();
  const { config } = await getStack();
  const body = await encryptedBooking();
  const decode = (path: string, token?: string, json: unknown = body) => call(app, 'POST', path, { token, json });
  for (const role of ['staff', 'admin'] as const) {
    const answer = await decode('/api/temporal-codec/decode', await tokenFor({ id: 9100, role }));
    assert.is(answer.status, 200, answer.text);
    assert.equal(valueOf(answer.body.payloads[0]), { appointmentId: 7, reason: 'severe pain, HIV+ patient' }, role);
  }
  const secret = temporalCodecUiSecret(config);
  const byUi = await decode(`/api/temporal-codec/ui/${secret}/decode?preserveStorageRefs=true`);
  assert.is(byUi.status, 200, byUi.text);
  assert.equal(valueOf(byUi.body.payloads[0]).reason, 'severe pain, HIV+ patient');

  const refusals: Array<[string, string | undefined, number]> = [
    ['/api/temporal-codec/decode', undefined, 401],
    ['/api/temporal-codec/decode', 'not-a-token', 401],
    ['/api/temporal-codec/decode', await tokenFor({ id: 9101, role: 'user' }), 403],
    ['/api/temporal-codec/encode', await tokenFor({ id: 9101, role: 'user' }), 403],
    [`/api/temporal-codec/ui/${'x'.repeat(secret.length)}/decode`, undefined, 401],
    [`/api/temporal-codec/ui/${secret.slice(1)}/decode`, await tokenFor({ id: 9102, role: 'staff' }), 401],
    ['/api/temporal-codec/ui/wrong/encode', undefined, 401],
  ];
  for (const [path, token, status] of refusals) {
    const answer = await decode(path, token);
    assert.is(answer.status, status, `${path}: ${answer.text}`);
    assert.type(answer.body.error, 'string', `${path} answers a JSON error`);
    assert.not.ok(answer.text.includes('severe pain'), path);
  }
  const garbageWithoutSecret = await decode('/api/temporal-codec/ui/wrong/decode', undefined, { nothing: true });
  assert.equal([garbageWithoutSecret.status, garbageWithoutSecret.body.error], [401, 'invalid_codec_secret'], 'the secret is checked before the body is read');
});

test('encode then decode returns the payloads; altered ones are a 422; malformed bodies a 400 or 422', async () => {
  const app = await dentalApp();
  const token = await tokenFor({ id: 9103, role: 'staff' });
  const plain = asJson(defaultPayloadConverter.toPayload({ notes: 'allergic to latex' }));
  const encoded = await call(app, 'POST', '/api/temporal-codec/encode', { token, json: { payloads: [plain] } });
  assert.is(encoded.status, 200, encoded.text);
  const encrypted = encoded.body.payloads[0];
  assert.is(Buffer.from(encrypted.metadata.encoding, 'base64').toString(), ENCRYPTED_ENCODING);
  assert.not.ok(Buffer.from(encrypted.data, 'base64').toString().includes('latex'));
  const decoded = await call(app, 'POST', '/api/temporal-codec/decode', { token, json: encoded.body });
  assert.equal(decoded.body.payloads, [plain]);

  const data = Buffer.from(encrypted.data, 'base64');
  data.writeUInt8(data.readUInt8(data.length - 1) ^ 0x80, data.length - 1);
  const altered = await call(app, 'POST', '/api/temporal-codec/decode', { token, json: { payloads: [{ ...encrypted, data: data.toString('base64') }] } });
  assert.equal([altered.status, altered.body.error], [422, 'payload_undecryptable'], altered.text);
  assert.match(altered.body.message, /fails authentication/);

  const malformed = await call(app, 'POST', '/api/temporal-codec/decode', { token, body: '{"payloads": [', headers: { 'content-type': 'application/json' } });
  assert.is(malformed.status, 400, malformed.text);
  for (const json of [{}, { payloads: 'all' }, { payloads: [{ data: '***' }] }, { payloads: [{ metadata: { encoding: 42 } }] }]) {
    const answer = await call(app, 'POST', '/api/temporal-codec/decode', { token, json });
    assert.equal([answer.status, typeof answer.body.error], [422, 'string'], JSON.stringify(json));
  }
});

test('only the UI’s origins get CORS answers from the codec endpoint, even where the service allows any origin', async () => {
  const app = await dentalApp({ corsOrigins: ['*'] });
  const preflight = (origin: string) =>
    call(app, 'OPTIONS', '/api/temporal-codec/ui/some-secret/decode', {
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
    });
  for (const origin of [UI_ORIGIN, 'http://localhost:8233']) {
    const answer = await preflight(origin);
    assert.is(answer.status, 204);
    assert.is(answer.headers.get('access-control-allow-origin'), origin);
    assert.is(answer.headers.get('access-control-allow-credentials'), 'true', 'the UI may be set to include credentials');
    assert.match(answer.headers.get('access-control-allow-headers') ?? '', /x-namespace/);
  }
  const stranger = await preflight('https://evil.example');
  assert.is(stranger.headers.get('access-control-allow-origin'), null, 'another origin gets no CORS answer');
  const token = await tokenFor({ id: 9104, role: 'staff' });
  const fromStranger = await call(app, 'POST', '/api/temporal-codec/decode', { token, json: await encryptedBooking(), headers: { origin: 'https://evil.example' } });
  assert.is(fromStranger.headers.get('access-control-allow-origin'), null, 'its browser cannot read the answer');
  const refused = await call(app, 'POST', '/api/temporal-codec/decode', { json: {}, headers: { origin: UI_ORIGIN } });
  assert.equal([refused.status, refused.headers.get('access-control-allow-origin')], [401, UI_ORIGIN], 'the UI can read why it was refused');
  const health = await call(app, 'GET', '/api/health', { headers: { origin: 'https://evil.example' } });
  assert.is(health.headers.get('access-control-allow-origin'), '*', 'the rest of the service keeps its own CORS policy');
});

test('the dev server’s Web UI is given the codec address, and the request the UI sends with it is answered', async () => {
  const stack = await getStack();
  const uiPort = await freePort();
  const uiOrigin = `http://127.0.0.1:${uiPort}`;
  const config = { ...stack.config, TEMPORAL_CODEC_CORS_ORIGINS: [uiOrigin] };
  const server = await startHttpServer(createDentalApp({ ...stack.depsFor('dental'), guard: stack.guard, config }), { host: '127.0.0.1', port: 0, graceMs: 1000 });
  onTeardown(() => server.close());
  const endpoint = codecEndpointForUi(server.url, temporalCodecUiSecret(config));
  const temporal = await startTemporalDevServer({ uiPort, codecEndpoint: endpoint });
  onTeardown(() => temporal.stop());
  const settings = (await (await fetch(`${temporal.uiUrl}/api/v1/settings`)).json()) as { Codec: { Endpoint: string } };
  assert.is(settings.Codec.Endpoint, endpoint);
  // What the UI (2.54) sends: POST <endpoint>/decode?preserveStorageRefs=true, X-Namespace, from its origin.
  const response = await fetch(`${settings.Codec.Endpoint}/decode?preserveStorageRefs=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin: uiOrigin },
    body: JSON.stringify(await encryptedBooking()),
  });
  assert.is(response.status, 200);
  assert.is(response.headers.get('access-control-allow-origin'), uiOrigin);
  assert.equal(valueOf(((await response.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> }).payloads[0]!).appointmentId, 7);
});

test('production needs the UI’s secret; a generated one is URL-safe and kept', async () => {
  const stack = await getStack();
  const production = { ...stack.config, NODE_ENV: 'production' as const, TEMPORAL_PAYLOAD_KEYS: JSON.stringify([generatePayloadKey()]), URL_SIGNING_SECRET: 'u'.repeat(48), TEMPORAL_CODEC_UI_SECRET: undefined };
  // Everything else production needs is set, so the refusal is the codec secret's.
  assert.throws(
    () => createDentalApp({ ...stack.depsFor('dental'), guard: stack.guard, config: production }),
    (error: Error) => error instanceof ConfigError && /^TEMPORAL_CODEC_UI_SECRET is not set: production needs/.test(error.message),
  );
  const secret = temporalCodecUiSecret(stack.config);
  assert.match(secret, /^[\w-]{40,}$/);
  assert.is(temporalCodecUiSecret(stack.config), secret);
  assert.throws(() => temporalCodecUiSecret({ ...stack.config, TEMPORAL_CODEC_UI_SECRET: 'a/b'.repeat(12) }), (error: Error) => /may hold only/.test(error.message));
});

test.run();
