// The one data converter of every Temporal client (APIs, worker, scripts, tests, benchmarks) and of
// the worker: payloads encrypted with the configured keys, failures' messages encoded into payloads.
// A client left on the default converter would write patients' data in plaintext, and could not read
// what the others wrote.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import type { Config } from '../config/index.js';
import { EncryptionCodec } from './payload-codec.js';
import { loadPayloadKeys } from './payload-keys.js';

type KeySettings = Pick<Config, 'TEMPORAL_PAYLOAD_KEYS' | 'TEMPORAL_PAYLOAD_KEYS_FILE' | 'NODE_ENV'>;

// From source (tsx) the module is failure-converter.ts; from a compiled build, failure-converter.js.
export const failureConverterPath = [new URL('./failure-converter.ts', import.meta.url), new URL('./failure-converter.js', import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((path) => existsSync(path))!;

export function payloadCodec(config: KeySettings): EncryptionCodec {
  return new EncryptionCodec(loadPayloadKeys(config));
}

export function temporalDataConverter(config: KeySettings): DataConverter {
  return { payloadCodecs: [payloadCodec(config)], failureConverterPath };
}
