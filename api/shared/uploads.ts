// Multipart uploads streamed to disk with formidable (never held in memory), into a folder of the
// request's own that is removed on every path out: success (after the caller took the files),
// refusal, error, or a client that went away mid-upload. Over a limit → 413 JSON and nothing kept.
// receiveIntoStore is what the media and cloud upload routes share around that: the file parts
// linked into a blob store, and on any failure nothing of the upload left behind.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import formidable, { type File } from 'formidable';
import type { H3Event } from 'h3';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import { type BlobReferences, removeUnreferencedBlobs } from '../../core/blob-cleanup.js';
import type { BlobStore, StoredBlob } from '../../core/blob-store.js';
import { ApiError, badRequest, invalidFields, payloadTooLarge } from './errors.js';

export interface UploadLimits {
  /** Largest single file. */
  maxFileSize: number;
  maxFiles: number;
  maxFields?: number;
  maxFieldsSize?: number;
}

export interface UploadedFile {
  field: string;
  /** Temporary path; move or stream it before calling `discard()`. */
  path: string;
  size: number;
  /** The client's name, sanitized for display; never used as a path. */
  name: string;
  /** Hex sha256 of the bytes, computed while they were written. */
  sha256: string;
  /** The part's declared type as a bare lower-case `type/subtype`; null when absent or malformed. */
  clientMimeType: string | null;
}

export interface ReceivedUpload {
  fields: Record<string, string>;
  files: UploadedFile[];
  /** Removes the request's temporary folder. Always call it (finally). */
  discard(): Promise<void>;
}

/** Where an upload's blobs go, and how the service's database tells which blobs rows still use. */
export interface UploadStorage {
  pool: DatabasePool;
  store: BlobStore;
  references: BlobReferences;
}

/** An upload as the route records it. */
export interface IncomingFiles {
  /** The file parts (`file`, or several `files`) in the order sent; never empty. */
  files: UploadedFile[];
  /** The form's text fields. */
  fields: Record<string, string>;
  /** Takes a part into the store: a hard link, not a copy, as the parsed upload already sits on the store's disk. */
  link(file: UploadedFile): Promise<StoredBlob>;
  /**
   * Call holding the blob's lock, before the row that references it is written: a deletion of the same
   * bytes may have removed the blob between `link` and the lock, and then it is linked again.
   */
  relinkIfRemoved(file: UploadedFile, key: string): Promise<void>;
}

/**
 * Receives a multipart upload into `storage` and lets `record` write its rows. A form without a file
 * part is refused (422). If anything fails, the blobs this upload linked go again unless a row uses
 * them (the same bytes may be another file's), and the request's temporary folder always goes.
 */
export async function receiveIntoStore<T>(
  event: H3Event,
  storage: UploadStorage,
  limits: UploadLimits,
  record: (incoming: IncomingFiles) => Promise<T>,
): Promise<T> {
  const { pool, store, references } = storage;
  const linked: string[] = [];
  let upload: ReceivedUpload | undefined;
  try {
    upload = await receiveUpload(event, store.scratchDir, limits);
    const files = upload.files.filter((file) => file.field === 'file' || file.field === 'files');
    if (!files.length) throw invalidFields({ file: ['send a file in "file", or several in "files"'] });
    return await record({
      files,
      fields: upload.fields,
      async link(file) {
        const blob = await store.adopt(file.path, file);
        linked.push(blob.key);
        return blob;
      },
      async relinkIfRemoved(file, key) {
        if (!(await store.stat(key))) await store.adopt(file.path, file);
      },
    });
  } catch (error) {
    await removeUnreferencedBlobs(pool, store, references, linked);
    throw error;
  } finally {
    await upload?.discard();
  }
}

/** The schema of `uploadAnswer` for the documentation, given the schema of one file. */
export function uploadAnswerSchema<FileSchema extends z.ZodType>(file: FileSchema) {
  return z.object({ message: z.string(), files: z.array(file), uploaded_files: z.array(z.string()), success_count: z.number(), total_count: z.number() });
}

/** The answer to a successful upload, in the Flask system's shape (media and cloud alike). */
export function uploadAnswer<T>(files: T[], names: string[], totalCount = files.length) {
  return {
    message: `${files.length} file${files.length === 1 ? '' : 's'} uploaded successfully`,
    files,
    uploaded_files: names,
    success_count: files.length,
    total_count: totalCount,
  };
}

/** A display name: no separators, control characters or `..`, at most 255 bytes. */
export function sanitizeFileName(name: string | null | undefined): string {
  const cleaned = (name ?? '')
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f/\\]/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[\s.]+|[\s.]+$/g, '')
    .trim();
  let result = cleaned || 'file';
  while (Buffer.byteLength(result) > 255) result = result.slice(0, -1);
  return result;
}

const FORMIDABLE_LIMIT_CODES = new Set([1009, 1016]); // biggerThanTotalMaxFileSize, biggerThanMaxFileSize

export async function receiveUpload(event: H3Event, scratchDir: string, limits: UploadLimits): Promise<ReceivedUpload> {
  const request = multipartRequestOf(event, limits);
  await mkdir(scratchDir, { recursive: true });
  // The client may have gone while the route checked its token or quota: its close event is past,
  // and a destroyed request's unread bytes will never be readable.
  if (request.destroyed && !request.readableEnded) throw badRequest('The upload was interrupted; nothing was kept');
  const folder = await mkdtemp(join(scratchDir, 'upload-'));
  const discard = () => rm(folder, { recursive: true, force: true });
  const { form, partOrder } = multipartForm(folder, limits);
  const hangUp = watchForHangUp(request);
  try {
    const [fields, files] = await Promise.race([form.parse(request), hangUp.interrupted]);
    const received = Object.entries(files)
      .flatMap(([field, list]) => ((list ?? []) as File[]).map((file) => ({ field, file })))
      .sort((a, b) => partOrder.indexOf(a.file.newFilename) - partOrder.indexOf(b.file.newFilename))
      .map(({ field, file }): UploadedFile => {
        if (file.size > limits.maxFileSize) throw tooLarge(limits);
        return { field, path: file.filepath, size: file.size, name: sanitizeFileName(file.originalFilename), clientMimeType: mediaType(file.mimetype), sha256: String(file.hash) };
      });
    const flatFields = Object.fromEntries(Object.entries(fields).map(([name, values]) => [name, (values ?? [])[0] ?? '']));
    return { fields: flatFields, files: received, discard };
  } catch (error) {
    await discard();
    throw uploadFailure(error, request.destroyed, limits);
  } finally {
    hangUp.stop();
  }
}

/** The request's Node.js stream, once its headers say it is a multipart body within the limits. */
function multipartRequestOf(event: H3Event, limits: UploadLimits): IncomingMessage {
  const request = event.runtime?.node?.req;
  if (!request) throw new ApiError(500, 'internal_error', 'Uploads need the Node.js server');
  const contentType = event.req.headers.get('content-type') ?? '';
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) {
    throw new ApiError(415, 'unsupported_media_type', 'Send the upload as multipart/form-data');
  }
  // Without it no part can be found: formidable would wait for the body's end and call it cut off.
  if (!/;\s*boundary=("[^"]+"|[^;\s]+)/i.test(contentType)) {
    throw badRequest('The Content-Type multipart/form-data lacks its boundary (multipart/form-data; boundary=…); nothing was kept', {
      details: { header: 'content-type' },
    });
  }
  const declared = Number(event.req.headers.get('content-length') ?? NaN);
  const bodyLimit = limits.maxFileSize * limits.maxFiles + (limits.maxFieldsSize ?? 64 * 1024) + 64 * 1024;
  if (declared > bodyLimit) throw tooLarge(limits);
  return request as IncomingMessage;
}

/** A formidable parser writing the file parts into `folder`, and the order the client sent them in. */
function multipartForm(folder: string, limits: UploadLimits) {
  // formidable reports files as each finishes writing; the part order the client sent is kept here.
  const partOrder: string[] = [];
  const form = formidable({
    uploadDir: folder,
    filename: () => {
      const name = randomUUID();
      partOrder.push(name);
      return name;
    },
    maxFiles: limits.maxFiles,
    maxFileSize: limits.maxFileSize,
    // formidable checks maxFileSize when a part ends; this total is checked as bytes arrive, so an
    // oversized body is cut off early instead of landing on disk first.
    maxTotalFileSize: limits.maxFileSize * limits.maxFiles,
    maxFields: limits.maxFields ?? 50,
    maxFieldsSize: limits.maxFieldsSize ?? 64 * 1024,
    allowEmptyFiles: true,
    minFileSize: 0,
    // Hashed as the bytes stream to disk, so storing the file needs no second read.
    hashAlgorithm: 'sha256',
    // formidable pauses the request for every chunk until its write is done; see boundedWriteStream.
    fileWriteStreamHandler: (file) => boundedWriteStream((file as unknown as { filepath: string }).filepath),
  });
  tuneParser(form, MAX_PART_HEADER_BYTES);
  return { form, partOrder };
}

/**
 * formidable learns of a client that went away only through the deprecated 'aborted' event, which
 * does not always come (seen with a paused request): a request closed before its body was read to
 * the end is an abort. `interrupted` rejects then; `stop` stops watching.
 */
function watchForHangUp(request: IncomingMessage): { interrupted: Promise<never>; stop(): void } {
  let onClose: (() => void) | undefined;
  const interrupted = new Promise<never>((_, reject) => {
    onClose = () => {
      if (!request.readableEnded) reject(badRequest('The upload was interrupted; nothing was kept'));
    };
    request.once('close', onClose);
    if (request.destroyed) onClose(); // closed during the awaits before
  });
  interrupted.catch(() => {}); // settled by the race it is in, or after it lost: never unhandled
  return { interrupted, stop: () => request.off('close', onClose!) };
}

/** What the client is told when formidable gave up: over a limit, cut off, or unreadable. */
function uploadFailure(error: unknown, requestDestroyed: boolean, limits: UploadLimits): ApiError {
  if (error instanceof ApiError) return error;
  const code = (error as { code?: number }).code;
  if (code !== undefined && FORMIDABLE_LIMIT_CODES.has(code)) return tooLarge(limits);
  if ((error as { httpCode?: number }).httpCode === 413) return payloadTooLarge((error as Error).message);
  if (requestDestroyed || code === 1002) return badRequest('The upload was interrupted; nothing was kept');
  return badRequest(`The multipart body could not be read: ${(error as Error).message}`);
}

/** A part's headers (name, file name, type) fit in far less; browsers send a few hundred bytes. */
const MAX_PART_HEADER_BYTES = 16 * 1024;
/** Bytes of one file accepted ahead of the disk; the request is read on while its writes are under way. */
const WRITE_AHEAD_BYTES = 1024 * 1024;

/**
 * The file stream formidable writes a part to. formidable pauses the request for each chunk (64 KiB
 * off the socket) until that chunk's write has completed, so reading and writing never overlap and
 * every chunk is a write of its own. This stream accepts a chunk at once while less than
 * WRITE_AHEAD_BYTES wait for the disk (fs.WriteStream then writes them together), and only
 * otherwise waits for the disk to catch up: memory per upload stays bounded.
 */
function boundedWriteStream(path: string): Writable {
  const file = createWriteStream(path, { highWaterMark: WRITE_AHEAD_BYTES });
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (file.write(chunk)) done();
      else file.once('drain', () => done());
    },
    final(done) {
      file.end(done);
    },
    destroy(error, done) {
      file.destroy();
      done(error);
    },
  });
  file.on('error', (error) => stream.destroy(error));
  return stream;
}

interface MultipartParserInternals extends NodeJS.EventEmitter {
  constructor: { STATES?: Record<string, number> };
  boundary: Buffer | null;
  state: number;
  index: number | null;
  flags: number;
  partDataMark?: number;
  bufferLength: number;
  push(chunk: unknown): boolean;
  _transform(buffer: Buffer, encoding: BufferEncoding, done: (error?: Error | null) => void): unknown;
}

/**
 * formidable's multipart parser is an internal stream it assigns to `_parser` once the request type
 * is known: catch that assignment to bound part headers and to let part data skip the byte loop.
 */
function tuneParser(form: InstanceType<typeof formidable.Formidable>, maxHeaderBytes: number): void {
  const internals = form as unknown as { _parser: MultipartParserInternals | null; _error(error: Error): void };
  let parser = internals._parser;
  Object.defineProperty(internals, '_parser', {
    configurable: true,
    get: () => parser,
    set(value: MultipartParserInternals | null) {
      parser = value;
      if (!value) return;
      limitPartHeaders(value, maxHeaderBytes, (error) => internals._error(error));
      skipPlainPartData(value);
    },
  });
}

/**
 * formidable collects each part's headers in memory without a bound (a 100 MB "header" would be held
 * whole): count header bytes as they stream through the parser.
 */
function limitPartHeaders(parser: MultipartParserInternals, max: number, fail: (error: Error) => void): void {
  let size = 0;
  parser.on('data', ({ name, start, end }: { name: string; start?: number; end?: number }) => {
    if (name === 'partBegin') size = 0;
    else if ((name === 'headerField' || name === 'headerValue') && (size += (end ?? 0) - (start ?? 0)) > max) {
      fail(badRequest(`A part's headers are larger than ${max} bytes; nothing was kept`));
    }
  });
}

const CR = 13;

/**
 * formidable's parser walks part data in JavaScript looking for the boundary (about 500 MB/s here,
 * the slowest step of an upload). A chunk that arrives in the middle of a part's data (no boundary
 * half-matched from the chunk before), holds no boundary (Buffer#indexOf, native) and does not end
 * in what could be the start of one (no CR in its last boundary-length bytes) is all part data:
 * pass it on as one event, exactly what the byte loop would end up emitting. Anything else goes
 * through the byte loop unchanged.
 */
function skipPlainPartData(parser: MultipartParserInternals): void {
  const partData = parser.constructor.STATES?.PART_DATA;
  if (partData === undefined) return; // not the parser this was written for: leave it alone
  const transform = parser._transform;
  parser._transform = function (buffer, encoding, done) {
    const boundary = this.boundary;
    if (
      boundary &&
      this.state === partData &&
      this.index === 0 &&
      this.flags === 0 &&
      this.partDataMark === 0 &&
      buffer.length > 0 &&
      buffer.indexOf(boundary) === -1 &&
      buffer.indexOf(CR, Math.max(0, buffer.length - boundary.length)) === -1
    ) {
      this.bufferLength = buffer.length;
      this.push({ name: 'partData', buffer, start: 0, end: buffer.length });
      done();
      return buffer.length;
    }
    return transform.call(this, buffer, encoding, done);
  };
}

function tooLarge(limits: UploadLimits): ApiError {
  return payloadTooLarge(`Each file may be at most ${limits.maxFileSize} bytes (${limits.maxFiles} files at most); nothing was kept`, {
    details: { max_file_size: limits.maxFileSize, max_files: limits.maxFiles },
  });
}

/**
 * formidable hands over the part's Content-Type header as sent, NUL bytes and non-Latin-1 text
 * included: stored as is, it failed the insert or every later download's header (500s). Parameters
 * (`; charset=…`) are dropped; what is left must be a plain `type/subtype`.
 */
function mediaType(declared: string | null | undefined): string | null {
  const bare = declared?.split(';')[0]!.trim().toLowerCase();
  return bare && /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,127}$/.test(bare) ? bare : null;
}
