// The AES-256 keys that encrypt Temporal payloads. Each has an id, written beside every payload it
// encrypts, so keys can rotate: the newest (first) encrypts, every listed one still decrypts what it
// encrypted. Production must set TEMPORAL_PAYLOAD_KEYS; elsewhere one key is generated into
// TEMPORAL_PAYLOAD_KEYS_FILE the first time, shared by the worker and the APIs.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { type Config, ConfigError } from '../config/index.js';
import { readSecretSetting } from '../config/secret-file.js';

export interface PayloadKey {
  id: string;
  /** 32 bytes: AES-256. */
  key: Buffer;
}

const KEY_BYTES = 32;

const keyListSchema = z
  .array(
    z.object({
      // Written into every payload's metadata: short, and nothing a header could mangle.
      id: z.string().regex(/^[\w.-]{1,64}$/, 'an id is 1–64 letters, digits, dots, dashes or underscores'),
      key: z
        .string()
        .regex(/^[A-Za-z0-9+/_-]+={0,2}$/, 'a key is base64')
        .refine((key) => Buffer.from(key, 'base64').length === KEY_BYTES, `a key is ${KEY_BYTES} random bytes (AES-256), base64-encoded`),
    }),
  )
  .min(1, 'at least one key is needed')
  .refine((keys) => new Set(keys.map((entry) => entry.id)).size === keys.length, 'each key needs an id of its own');

/** A new random key, as it is written in TEMPORAL_PAYLOAD_KEYS. The id says when it was made. */
export function generatePayloadKey(): { id: string; key: string } {
  return { id: `${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`, key: randomBytes(KEY_BYTES).toString('base64') };
}

/** The configured keys, newest first. */
export function loadPayloadKeys(config: Pick<Config, 'TEMPORAL_PAYLOAD_KEYS' | 'TEMPORAL_PAYLOAD_KEYS_FILE' | 'NODE_ENV'>): PayloadKey[] {
  const { text, source } = readSecretSetting({
    variable: 'TEMPORAL_PAYLOAD_KEYS',
    value: config.TEMPORAL_PAYLOAD_KEYS,
    file: config.TEMPORAL_PAYLOAD_KEYS_FILE,
    nodeEnv: config.NODE_ENV,
    productionNeeds: 'the keys that encrypt Temporal payloads (a JSON array of {"id", "key"}, newest first)',
    generate: () => `${JSON.stringify([generatePayloadKey()], null, 2)}\n`,
  });
  return parsePayloadKeys(text, source);
}

export function parsePayloadKeys(text: string, source: string): PayloadKey[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`${source} must be a JSON array of {"id", "key"} objects, newest first (it is not JSON).`);
  }
  const parsed = keyListSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(`${source} must be a JSON array of {"id", "key"} objects, newest first: ${parsed.error.issues[0]!.message}.`);
  }
  return parsed.data.map(({ id, key }) => ({ id, key: Buffer.from(key, 'base64') }));
}
