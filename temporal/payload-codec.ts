// Encrypts every Temporal payload with AES-256-GCM before it leaves the process, so the Temporal
// server (its database, its HTTP API, its Web UI) holds only ciphertext of patients' data. The whole
// payload (metadata and data) is serialized as the Payload protobuf and encrypted with the newest key;
// the envelope says only `binary/encrypted` and the key's id. GCM authenticates: a payload changed in
// storage, or encrypted with a key nobody configured, fails loudly instead of being read wrongly.
// Payloads without the envelope (histories recorded before encryption) pass through unchanged.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import protobuf from 'protobufjs';
import type { PayloadKey } from './payload-keys.js';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;

// temporal.api.common.v1.Payload's wire format (fields 1 and 2), so any Temporal codec that
// serializes payloads the standard way reads what this one writes.
const metadataField: protobuf.IMapField = { keyType: 'string', type: 'bytes', id: 1 };
const PayloadMessage = protobuf.Root.fromJSON({
  nested: { Payload: { fields: { metadata: metadataField, data: { type: 'bytes', id: 2 } } } },
}).lookupType('Payload');

/** A payload that claims to be encrypted but cannot be decrypted: unknown key, tampered or truncated. */
export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

export class EncryptionCodec implements PayloadCodec {
  readonly #newest: PayloadKey;
  readonly #byId: Map<string, Buffer>;

  constructor(keys: PayloadKey[]) {
    if (keys.length === 0) throw new Error('EncryptionCodec needs at least one key');
    this.#newest = keys[0]!;
    this.#byId = new Map(keys.map(({ id, key }) => [id, key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload));
  }

  private encrypt(payload: Payload): Payload {
    const plain = PayloadMessage.encode(PayloadMessage.fromObject({ metadata: payload.metadata ?? {}, data: payload.data ?? new Uint8Array() })).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#newest.key, iv);
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(this.#newest.id) },
      data: sealed,
    };
  }

  private decrypt(payload: Payload): Payload {
    const keyId = Buffer.from(payload.metadata?.[KEY_ID_METADATA] ?? []).toString();
    const key = this.#byId.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(`A Temporal payload is encrypted with key "${keyId}", which is not among the configured TEMPORAL_PAYLOAD_KEYS`);
    }
    const sealed = Buffer.from(payload.data ?? []);
    if (sealed.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError('A Temporal payload is too short to be an encrypted payload');
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(`A Temporal payload encrypted with key "${keyId}" fails authentication: it was altered or is not ours`);
    }
    const message = PayloadMessage.toObject(PayloadMessage.decode(plain)) as { metadata?: Record<string, Uint8Array>; data?: Uint8Array };
    return { metadata: message.metadata ?? {}, data: message.data ?? new Uint8Array() };
  }
}

function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return encoding !== undefined && encoding !== null && Buffer.from(encoding).toString() === ENCRYPTED_ENCODING;
}
