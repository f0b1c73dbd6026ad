// The payload codec and its keys: AES-256-GCM under the newest key, any configured key decrypts (so
// keys rotate), altered ciphertext and unknown keys fail loudly, payloads from before encryption pass
// through, and the keys are never a constant: generated per installation outside production, required
// in production, where a process without them refuses to start.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../config/index.js';
import { EncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, PayloadDecryptionError } from '../../temporal/payload-codec.js';
import { generatePayloadKey, loadPayloadKeys, parsePayloadKeys, type PayloadKey } from '../../temporal/payload-keys.js';

const test = suite('payload codec and keys');

const keyOf = (): PayloadKey => {
  const { id, key } = generatePayloadKey();
  return { id, key: Buffer.from(key, 'base64') };
};
const sensitive = () => defaultPayloadConverter.toPayload({ reason: 'severe pain, HIV+ patient', notes: 'anxious' });
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString();

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

test('a payload is encrypted whole under the newest key and decrypts to itself', async () => {
  const [newest, older] = [keyOf(), keyOf()];
  const codec = new EncryptionCodec([newest, older]);
  const original = sensitive();
  const [encrypted] = await codec.encode([original]);
  assert.is(text(encrypted!.metadata!.encoding), ENCRYPTED_ENCODING);
  assert.is(text(encrypted!.metadata![KEY_ID_METADATA]), newest.id);
  assert.equal(Object.keys(encrypted!.metadata!).sort(), ['encoding', KEY_ID_METADATA], 'the original metadata is inside the ciphertext');
  assert.not.ok(text(encrypted!.data).includes('severe pain'));
  const [decrypted] = await codec.decode([encrypted!]);
  assert.equal(defaultPayloadConverter.fromPayload(decrypted!), { reason: 'severe pain, HIV+ patient', notes: 'anxious' });
  assert.equal(text(decrypted!.metadata!.encoding), 'json/plain');
  const [again] = await codec.encode([original]);
  assert.is.not(text(again!.data), text(encrypted!.data), 'a fresh IV each time: equal values do not look equal');
  const [nothing] = await codec.decode(await codec.encode([defaultPayloadConverter.toPayload(undefined)]));
  assert.is(defaultPayloadConverter.fromPayload(nothing!), undefined, 'an empty payload (undefined) survives too');
});

test('keys rotate: an old key id still decrypts, the new key encrypts', async () => {
  const [old, next] = [keyOf(), keyOf()];
  const [byOld] = await new EncryptionCodec([old]).encode([sensitive()]);
  const rotated = new EncryptionCodec([next, old]);
  assert.equal(defaultPayloadConverter.fromPayload((await rotated.decode([byOld!]))[0]!), { reason: 'severe pain, HIV+ patient', notes: 'anxious' });
  const [byNext] = await rotated.encode([sensitive()]);
  assert.is(text(byNext!.metadata![KEY_ID_METADATA]), next.id);
  const withoutOld = await rejection(new EncryptionCodec([next]).decode([byOld!]));
  assert.instance(withoutOld, PayloadDecryptionError);
  assert.match(withoutOld.message, new RegExp(`encrypted with key "${old.id}", which is not among the configured TEMPORAL_PAYLOAD_KEYS`));
});

test('altered ciphertext, a swapped key id or a truncated payload fail loudly', async () => {
  const [first, second] = [keyOf(), keyOf()];
  const codec = new EncryptionCodec([first, second]);
  const [encrypted] = await codec.encode([sensitive()]);
  const flipped = Buffer.from(encrypted!.data!);
  flipped.writeUInt8(flipped.readUInt8(20) ^ 0x01, 20);
  const cases: Payload[] = [
    { ...encrypted, data: flipped },
    { ...encrypted, metadata: { ...encrypted!.metadata, [KEY_ID_METADATA]: Buffer.from(second.id) } },
    { ...encrypted, data: Buffer.from(encrypted!.data!).subarray(0, 20) },
  ];
  for (const payload of cases) {
    const error = await rejection(codec.decode([payload]));
    assert.instance(error, PayloadDecryptionError);
    assert.match(error.message, /fails authentication|too short/);
  }
});

test('payloads written before encryption pass through unchanged (running workflows and recorded histories)', async () => {
  const codec = new EncryptionCodec([keyOf()]);
  const plain = sensitive();
  const bare: Payload = { data: Buffer.from('x') };
  assert.equal(await codec.decode([plain, bare]), [plain, bare]);
});

test('outside production a key is generated once, private to its file and shared; the variable wins; production needs it', () => {
  const folder = mkdtempSync(join(tmpdir(), 'qhitz-payload-keys-'));
  const settings = { NODE_ENV: 'development' as const, TEMPORAL_PAYLOAD_KEYS: undefined, TEMPORAL_PAYLOAD_KEYS_FILE: join(folder, 'data', 'keys.json') };
  const first = loadPayloadKeys(settings);
  assert.is(first.length, 1);
  assert.is(first[0]!.key.length, 32);
  assert.equal(loadPayloadKeys(settings), first, 'the worker and the APIs read the same key');
  assert.is(statSync(settings.TEMPORAL_PAYLOAD_KEYS_FILE).mode & 0o777, 0o600);
  assert.equal(JSON.parse(readFileSync(settings.TEMPORAL_PAYLOAD_KEYS_FILE, 'utf8'))[0].id, first[0]!.id);
  assert.not.equal(loadPayloadKeys({ ...settings, TEMPORAL_PAYLOAD_KEYS_FILE: join(folder, 'other.json') })[0]!.key, first[0]!.key, 'random, not a constant');
  const configured = JSON.stringify([generatePayloadKey(), generatePayloadKey()]);
  assert.equal(loadPayloadKeys({ ...settings, TEMPORAL_PAYLOAD_KEYS: configured }).map((key) => key.id), JSON.parse(configured).map((key: { id: string }) => key.id));
  assert.throws(
    () => loadPayloadKeys({ ...settings, NODE_ENV: 'production' }),
    (error: Error) => error instanceof ConfigError && /^TEMPORAL_PAYLOAD_KEYS is not set: production needs/.test(error.message),
  );
});

test('bad keys stop the process with a sentence that names the setting and never shows a key', () => {
  const secretLooking = Buffer.alloc(16, 7).toString('base64');
  const cases: Array<[string, RegExp]> = [
    ['not json', /not JSON/],
    ['[]', /at least one key/],
    [JSON.stringify([{ id: 'a', key: secretLooking }]), /32 random bytes/],
    [JSON.stringify([{ id: 'a b', key: generatePayloadKey().key }]), /an id is/],
    [JSON.stringify([{ id: 'same', key: generatePayloadKey().key }, { id: 'same', key: generatePayloadKey().key }]), /an id of its own/],
  ];
  for (const [value, reason] of cases) {
    assert.throws(
      () => parsePayloadKeys(value, 'TEMPORAL_PAYLOAD_KEYS'),
      (error: Error) => error instanceof ConfigError && error.message.startsWith('TEMPORAL_PAYLOAD_KEYS must be') && reason.test(error.message) && !error.message.includes(secretLooking),
      value,
    );
  }
});

test('in production the worker and a Temporal-using API without TEMPORAL_PAYLOAD_KEYS exit 78 before connecting anywhere', async () => {
  for (const entry of ['worker/main.ts', 'api/dental/main.ts']) {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      env: { ...process.env, NODE_ENV: 'production', URL_SIGNING_SECRET: 'x'.repeat(40), TEMPORAL_PAYLOAD_KEYS: '', TEMPORAL_PAYLOAD_KEYS_FILE: '/nonexistent/keys.json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.is(code, 78, `${entry}: ${stderr}`);
    assert.match(stderr, /^Configuration error: TEMPORAL_PAYLOAD_KEYS is not set: production needs the keys that encrypt Temporal payloads/, entry);
  }
});

test.run();
