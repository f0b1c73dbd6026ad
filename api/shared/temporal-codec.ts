// The codec endpoint of Temporal's remote-codec protocol (POST …/decode and …/encode with
// {"payloads": [...]} in protobuf JSON), through which the Temporal Web UI and the `temporal` CLI
// show operations staff the payloads the worker and the APIs encrypt. Two ways in:
//  - /api/temporal-codec/{decode,encode} with a staff or admin access token (the CLI's --codec-auth);
//  - /api/temporal-codec/ui/<secret>/{decode,encode}, the address given to the Web UI, which sends no
//    token of ours: the secret in the path is its credential (TEMPORAL_CODEC_UI_SECRET).
// Only the UI's origins (TEMPORAL_CODEC_CORS_ORIGINS) may call it from a browser.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { z } from 'zod';
import type { Config } from '../../config/index.js';
import { CODEC_PATH, temporalCodecUiSecret } from '../../temporal/codec-address.js';
import { payloadCodec } from '../../temporal/data-converter.js';
import { PayloadDecryptionError } from '../../temporal/payload-codec.js';
import { ApiError } from './errors.js';
import { defineRoute, type AnyRoute } from './route.js';

// One payload may be up to 2 MB in Temporal; the UI sends an event's payloads together, in base64.
const BODY_LIMIT = 8 * 1024 * 1024;

type CodecSettings = Pick<
  Config,
  'NODE_ENV' | 'TEMPORAL_PAYLOAD_KEYS' | 'TEMPORAL_PAYLOAD_KEYS_FILE' | 'TEMPORAL_CODEC_UI_SECRET' | 'TEMPORAL_CODEC_UI_SECRET_FILE' | 'TEMPORAL_CODEC_CORS_ORIGINS'
>;

// Protobuf JSON: bytes are base64 (standard or URL-safe), empty ones may be left out.
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const jsonPayload = z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() });
const payloadsBody = z.object({ payloads: z.array(jsonPayload) });
const payloadsAnswer = z.object({ payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()), data: z.string() })) });

const fromJson = (payload: z.infer<typeof jsonPayload>): Payload => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
  data: Buffer.from(payload.data ?? '', 'base64'),
});
const toJson = (payload: Payload) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});

const sha256 = (text: string) => createHash('sha256').update(text).digest();

export function temporalCodecRoutes(config: CodecSettings): AnyRoute[] {
  const codec = payloadCodec(config);
  const uiSecretHash = sha256(temporalCodecUiSecret(config));
  const corsOrigins = config.TEMPORAL_CODEC_CORS_ORIGINS;

  async function convert(direction: 'encode' | 'decode', payloads: z.infer<typeof payloadsBody>['payloads']) {
    try {
      return { payloads: (await codec[direction](payloads.map(fromJson))).map(toJson) };
    } catch (error) {
      // Said plainly and loudly: the UI shows it, and nothing is guessed from a payload that fails authentication.
      if (error instanceof PayloadDecryptionError) throw new ApiError(422, 'payload_undecryptable', error.message);
      throw error;
    }
  }

  // The UI's address authenticates in its path. Checked as the path is read, before the body (the
  // app reads a route's path first), so a caller without the secret gets 401 and learns nothing else.
  const uiSecretParams = z.object({
    secret: z.string().transform((secret) => {
      // Compared as hashes: equal length, constant time.
      if (!timingSafeEqual(sha256(secret), uiSecretHash)) {
        throw new ApiError(401, 'invalid_codec_secret', `This codec address is not valid: use the one the Web UI was given, or a staff token at ${CODEC_PATH}`);
      }
      return secret;
    }),
  });

  const routes: AnyRoute[] = [];
  for (const direction of ['decode', 'encode'] as const) {
    const what = direction === 'decode' ? 'Decrypt Temporal payloads (for the Web UI and the temporal CLI)' : 'Encrypt Temporal payloads (what the Web UI sends to workflows)';
    const shared = { method: 'POST', body: payloadsBody, bodyLimit: BODY_LIMIT, corsOrigins } as const;
    routes.push(
      defineRoute({
        ...shared,
        path: `${CODEC_PATH}/${direction}`,
        summary: `${what}; staff`,
        access: 'staff',
        responses: {
          200: { description: `The payloads, ${direction}d, in the order sent`, schema: payloadsAnswer },
          422: { description: 'A payload cannot be decrypted: unknown key, or altered' },
        },
        // A payload written before encryption (JSON of {"appointmentId":42}) decodes to itself.
        example: { body: { payloads: [{ metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: 'eyJhcHBvaW50bWVudElkIjo0Mn0=' }] } },
        handler: ({ body }) => convert(direction, body.payloads),
      }),
      defineRoute({
        ...shared,
        path: `${CODEC_PATH}/ui/:secret/${direction}`,
        summary: `${what}; the Web UI's address, its secret in the path`,
        access: 'public',
        params: uiSecretParams,
        responses: {
          200: { description: `The payloads, ${direction}d, in the order sent`, schema: payloadsAnswer },
          401: { description: 'Not the secret the Web UI was given' },
          422: { description: 'A payload cannot be decrypted: unknown key, or altered' },
        },
        handler: ({ body }) => convert(direction, body.payloads),
      }),
    );
  }
  return routes;
}
