// Request input → typed values, or a clear 4xx. Malformed JSON is 400; well-formed input that breaks
// the schema is 422 listing every bad field; a body over the limit is 413 and is not read further.
import type { H3Event } from 'h3';
import { getQuery, getRouterParams } from 'h3';
import { z } from 'zod';
import { fieldErrors } from '../../core/field-errors.js';
import { ApiError, badRequest, invalidFields, notFound, payloadTooLarge, unsupportedMediaType } from './errors.js';

export function parseWith<T extends z.ZodType>(schema: T, input: unknown, root?: string): z.output<T> {
  const withNul = pathOfNulCharacter(input);
  if (withNul !== null) throw invalidFields({ [withNul || root || '_body']: ['must not contain NUL characters'] });
  const result = schema.safeParse(input);
  if (!result.success) throw invalidFields(fieldErrors(result.error, root));
  return result.data;
}

/**
 * PostgreSQL text cannot hold U+0000, so a NUL anywhere in the input would otherwise fail deep in a
 * query. Returns the dotted path of the first string containing one, '' for the input itself, or null.
 */
function pathOfNulCharacter(input: unknown, path = ''): string | null {
  if (typeof input === 'string') return input.includes('\u0000') ? path : null;
  if (input === null || typeof input !== 'object') return null;
  for (const [key, value] of Object.entries(input)) {
    if (key.includes('\u0000')) return path ? `${path}.${key}` : key;
    const found = pathOfNulCharacter(value, path ? `${path}.${key}` : key);
    if (found !== null) return found;
  }
  return null;
}

/** A JSON body (at most BODY_LIMIT_BYTES) that takes longer than this to arrive is a slowloris. */
const BODY_READ_TIMEOUT_MS = 30_000;

/** Reads the body as text without ever holding more than `limit` bytes, or waiting for it forever. */
export async function readBodyText(event: H3Event, limit: number): Promise<string> {
  const declared = Number(event.req.headers.get('content-length') ?? NaN);
  if (declared > limit) throw payloadTooLarge(`The request body is larger than ${limit} bytes`, { details: { limit } });
  const body = event.req.body;
  if (!body) return '';
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    event.runtime?.node?.req.destroy();
  }, BODY_READ_TIMEOUT_MS);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > limit) throw payloadTooLarge(`The request body is larger than ${limit} bytes`, { details: { limit } });
      chunks.push(chunk);
    }
  } catch (error) {
    if (timedOut) throw new ApiError(408, 'request_timeout', 'The request body did not arrive in time');
    if (error instanceof ApiError) throw error;
    throw badRequest('The request body was cut off before its end');
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** JSON (or, for HTML forms, urlencoded) body validated by `schema`. An empty body counts as `{}`. */
export async function parseBody<T extends z.ZodType>(event: H3Event, schema: T, limit: number): Promise<z.output<T>> {
  const contentType = (event.req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const text = await readBodyText(event, limit);
  let input: unknown = {};
  if (contentType === 'application/x-www-form-urlencoded') {
    input = Object.fromEntries(new URLSearchParams(text));
  } else if (text.trim() !== '') {
    if (contentType && contentType !== 'application/json' && !contentType.endsWith('+json')) {
      throw unsupportedMediaType(`Send the body as application/json (got ${contentType})`);
    }
    try {
      input = JSON.parse(text);
    } catch {
      throw badRequest('The request body is not valid JSON', { details: { hint: 'check quotes, commas and brackets' } });
    }
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw badRequest('The request body must be a JSON object');
  }
  return parseWith(schema, input);
}

export function parseQuery<T extends z.ZodType>(event: H3Event, schema: T): z.output<T> {
  return parseWith(schema, getQuery(event), '_query');
}

/** A path that does not name a resource, `/file/0x10` or `/file/abc`, names nothing: 404, with the reason. */
export function parseParams<T extends z.ZodType>(event: H3Event, schema: T): z.output<T> {
  try {
    return parseWith(schema, getRouterParams(event, { decode: true }), '_path');
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 422) throw error;
    throw notFound(`Nothing is at ${event.url.pathname}`, { details: error.details });
  }
}

/**
 * A whole number from JSON, or from a path or query as plain decimal digits. Number() (and z.coerce)
 * also reads `0x10` as 16, `1e3` as 1000 and ` 1` as 1, so another spelling would name another row.
 */
const decimal = (number: z.ZodNumber) =>
  z
    .union([z.number(), z.string().regex(/^[0-9]+$/).transform(Number)], { error: 'must be a whole number written in digits 0-9' })
    // Only a string of hundreds of digits reaches this as Infinity, which z.number() refuses.
    .pipe(number);

/** Common field shapes, so every service words its rules the same way. */
export const fields = {
  id: decimal(z.number({ error: 'is too large' }).int('must be a whole number').positive('must be positive').max(Number.MAX_SAFE_INTEGER, 'is too large')),
  /** A calendar date as YYYY-MM-DD (2026-02-30 is refused, not rolled over to March). */
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
    .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value), 'is not a real date'),
  /** What a search matches stored text with: in NFC, as names and tags are stored, so "é" finds "é" however it was typed. */
  search: z.string().trim().normalize('NFC').max(200),
  page: decimal(z.number({ error: 'is too large' }).int().min(1)).default(1),
  perPage: (max = 100, fallback = 20) => decimal(z.number({ error: 'is too large' }).int().min(1).max(max)).default(fallback),
  boolean: z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'on', 'off', 'yes', 'no'])]).transform((v) =>
    typeof v === 'boolean' ? v : ['true', '1', 'on', 'yes'].includes(v),
  ),
};
