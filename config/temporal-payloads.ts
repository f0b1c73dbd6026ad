// Settings of the encryption of Temporal payloads (workflow and activity inputs, results, failures)
// and of the codec endpoint through which the Temporal Web UI shows them decrypted.
import { z } from 'zod';
import { commaList } from './types.js';

export const temporalPayloadSettings = {
  /** JSON array of AES-256 keys, newest first: [{"id": "…", "key": "<32 bytes, base64>"}]. Required in production. */
  TEMPORAL_PAYLOAD_KEYS: z.string().min(1).optional(),
  /** …outside production, a file holding that JSON, generated when missing (the worker and the APIs share it). */
  TEMPORAL_PAYLOAD_KEYS_FILE: z.string().min(1).default('.data/temporal-payload-keys.json'),
  /** The secret in the codec endpoint's URL given to the Web UI (which cannot send a token). Required in production. */
  TEMPORAL_CODEC_UI_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** …outside production, a file holding it, generated when missing. */
  TEMPORAL_CODEC_UI_SECRET_FILE: z.string().min(1).default('.data/temporal-codec-ui-secret'),
  /** Browser origins of the Web UI, the only ones the codec endpoint answers cross-origin. */
  TEMPORAL_CODEC_CORS_ORIGINS: commaList.default(['http://127.0.0.1:8233', 'http://localhost:8233']),
};
