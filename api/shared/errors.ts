// Every error a client sees is JSON: { message, error, details }, with the status that fits.
// Handlers throw these; the app's error hook turns anything else into a 503 (dependency down) or a
// logged 500 that reveals nothing.
import { HTTPError } from 'h3';
import {
  BackendTerminatedError,
  BackendTerminatedUnexpectedlyError,
  CheckExclusionConstraintViolationError,
  CheckIntegrityConstraintViolationError,
  ConnectionError,
  ForeignKeyIntegrityConstraintViolationError,
  NotNullIntegrityConstraintViolationError,
  StatementTimeoutError,
  UniqueIntegrityConstraintViolationError,
} from 'slonik';

export interface ErrorBody {
  message: string;
  error: string;
  details?: Record<string, unknown>;
  [extra: string]: unknown;
}

/** An error with a status, a stable machine-readable code and optional details for the client. */
export class ApiError extends HTTPError {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  /** Extra top-level keys some clients rely on, e.g. `conflicts` or `used`/`quota`. */
  readonly extra: Record<string, unknown> | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: Record<string, unknown>; extra?: Record<string, unknown>; headers?: Record<string, string> | Headers; cause?: unknown } = {},
  ) {
    super({ status, message, headers: options.headers, cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.extra = options.extra;
  }

  toBody(): ErrorBody {
    return { message: this.message, error: this.code, ...(this.details && { details: this.details }), ...this.extra };
  }
}

type ErrorOptions = ConstructorParameters<typeof ApiError>[3];

export const badRequest = (message: string, options?: ErrorOptions) => new ApiError(400, 'bad_request', message, options);
export const unauthorized = (message = 'Authentication required', options?: ErrorOptions) =>
  new ApiError(401, 'unauthorized', message, { headers: { 'www-authenticate': 'Bearer' }, ...options });
export const forbidden = (message = 'You do not have permission to do this', options?: ErrorOptions) =>
  new ApiError(403, 'forbidden', message, options);
export const notFound = (message = 'Not found', options?: ErrorOptions) => new ApiError(404, 'not_found', message, options);
export const conflict = (message: string, options?: ErrorOptions) => new ApiError(409, 'conflict', message, options);
export const gone = (code: string, message: string, options?: ErrorOptions) => new ApiError(410, code, message, options);
export const payloadTooLarge = (message: string, options?: ErrorOptions) =>
  new ApiError(413, 'payload_too_large', message, options);
export const unsupportedMediaType = (message: string, options?: ErrorOptions) =>
  new ApiError(415, 'unsupported_media_type', message, options);
export const invalidFields = (fields: Record<string, string[]>, message = 'Some fields are invalid') =>
  new ApiError(422, 'validation_failed', message, { details: { fields } });
export const tooManyRequests = (retryAfterSeconds: number, message = 'Too many attempts; try again later') =>
  new ApiError(429, 'too_many_requests', message, {
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    details: { retry_after: Math.max(1, Math.ceil(retryAfterSeconds)) },
  });
export const serviceUnavailable = (message: string, options?: ErrorOptions) =>
  new ApiError(503, 'service_unavailable', message, options);

/** What a 409 for a taken value says, and the details naming what to change. */
export interface DuplicateAnswer {
  message: string;
  details?: Record<string, unknown>;
}

/**
 * Awaits `work`; a unique-key violation (the value is taken: a name in a folder, an email) becomes a
 * 409 saying so, with `details` naming what to change. Anything else passes through unchanged. Where
 * several values can be taken, `answerFor` tells them apart by the constraint that was violated.
 */
export async function unlessDuplicate<T>(work: Promise<T>, message: string, details?: Record<string, unknown>): Promise<T>;
export async function unlessDuplicate<T>(work: Promise<T>, answerFor: (constraint: string | null) => DuplicateAnswer): Promise<T>;
export async function unlessDuplicate<T>(
  work: Promise<T>,
  answer: string | ((constraint: string | null) => DuplicateAnswer),
  details?: Record<string, unknown>,
): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (!(error instanceof UniqueIntegrityConstraintViolationError)) throw error;
    const taken = typeof answer === 'string' ? { message: answer, details } : answer(error.constraint);
    throw conflict(taken.message, { details: taken.details });
  }
}

/**
 * Maps an error nobody handled to the response it deserves. Database constraint errors mean the
 * client asked for something the data forbids (4xx); connection trouble means a dependency is down
 * (503). Anything else is our bug: 500, logged by the caller, with nothing revealed.
 */
export function classifyError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (HTTPError.isError(error) && !error.unhandled) {
    return new ApiError(error.status, codeForStatus(error.status), error.message, { headers: error.headers ?? undefined });
  }
  const cause = HTTPError.isError(error) && error.cause ? error.cause : error;
  if (cause instanceof UniqueIntegrityConstraintViolationError || cause instanceof CheckExclusionConstraintViolationError) {
    return conflict('This conflicts with an existing record', { details: { constraint: cause.constraint } });
  }
  if (
    cause instanceof ForeignKeyIntegrityConstraintViolationError ||
    cause instanceof CheckIntegrityConstraintViolationError ||
    cause instanceof NotNullIntegrityConstraintViolationError
  ) {
    return new ApiError(422, 'validation_failed', 'The data breaks a rule of this record', {
      details: { constraint: cause.constraint },
    });
  }
  if (isDependencyDown(cause)) {
    return serviceUnavailable('A service this request needs is unavailable; try again shortly', {
      headers: { 'retry-after': '2' },
    });
  }
  return new ApiError(500, 'internal_error', 'Something went wrong on our side; it has been logged');
}

/** True for errors that mean "the database or Temporal is unreachable", not "the request is wrong". */
export function isDependencyDown(error: unknown): boolean {
  if (
    error instanceof ConnectionError ||
    error instanceof BackendTerminatedError ||
    error instanceof BackendTerminatedUnexpectedlyError || // the connection dropped mid-query (kill -9, failover)
    error instanceof StatementTimeoutError
  ) {
    return true;
  }
  const name = (error as { name?: string } | null)?.name;
  const code = (error as { code?: unknown } | null)?.code;
  return (
    name === 'ServiceError' || // @temporalio/client: server unreachable
    name === 'ConnectionError' ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === '57P01' || // admin_shutdown
    code === '57P02' || // crash_shutdown
    code === '57P03' // cannot_connect_now
  );
}

function codeForStatus(status: number): string {
  const codes: Record<number, string> = {
    400: 'bad_request',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not_found',
    405: 'method_not_allowed',
    409: 'conflict',
    410: 'gone',
    413: 'payload_too_large',
    415: 'unsupported_media_type',
    422: 'validation_failed',
    429: 'too_many_requests',
    503: 'service_unavailable',
  };
  return codes[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
}
