// Multipart uploads streamed to disk (never held in memory), into a folder of the request's own
// that is removed on every path out: success (after the caller took the files), refusal, error, or
// a client that went away mid-upload. Over a limit → 413 JSON and nothing kept.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { H3Event } from 'h3';
import { ApiError, badRequest, payloadTooLarge } from './errors.js';
import { boundaryOf, MalformedMultipart, MultipartParser, type MultipartEvent, type PartHeaders } from './multipart.js';
import { ScratchFile } from './scratch-file.js';

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
  clientMimeType: string | null;
}

export interface ReceivedUpload {
  fields: Record<string, string>;
  files: UploadedFile[];
  /** Removes the request's temporary folder. Always call it (finally). */
  discard(): Promise<void>;
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

/** A part's headers (name, file name, type) fit in far less; browsers send a few hundred bytes. */
const MAX_PART_HEADER_BYTES = 16 * 1024;
/**
 * Bytes of one file accepted ahead of the disk: the request is read on while writes are under way,
 * and paused beyond this, so memory per upload stays bounded.
 */
const WRITE_AHEAD_BYTES = 1024 * 1024;

export async function receiveUpload(event: H3Event, scratchDir: string, limits: UploadLimits): Promise<ReceivedUpload> {
  const request = event.runtime?.node?.req;
  if (!request) throw new ApiError(500, 'internal_error', 'Uploads need the Node.js server');
  const contentType = event.req.headers.get('content-type') ?? '';
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) {
    throw new ApiError(415, 'unsupported_media_type', 'Send the upload as multipart/form-data');
  }
  const boundary = boundaryOf(contentType);
  if (!boundary) throw badRequest('The multipart Content-Type names no boundary');
  const declared = Number(event.req.headers.get('content-length') ?? NaN);
  const bodyLimit = limits.maxFileSize * limits.maxFiles + (limits.maxFieldsSize ?? 64 * 1024) + 64 * 1024;
  if (declared > bodyLimit) throw tooLarge(limits);

  await mkdir(scratchDir, { recursive: true });
  // The client may have gone while the route checked its token or quota: its close event is past,
  // and a destroyed request's unread bytes will never be readable.
  if (request.destroyed && !request.readableEnded) throw interrupted();
  const folder = await mkdtemp(join(scratchDir, 'upload-'));
  const discard = () => rm(folder, { recursive: true, force: true });
  const form = new FormReceiver(request as IncomingMessage, boundary, folder, limits);
  try {
    const files = await form.received;
    return { fields: form.fields, files, discard };
  } catch (error) {
    await form.abandon();
    await discard();
    if (error instanceof ApiError) throw error;
    if (error instanceof MalformedMultipart) throw badRequest(`The multipart body could not be read: ${error.message}; nothing was kept`);
    if (request.destroyed) throw interrupted();
    throw error;
  }
}

/**
 * One request's multipart body, read as it arrives: fields into memory (bounded by the limits),
 * files into new files in `folder`. `received` resolves with the files in the order the client sent
 * them once the body has been read to its end and every file is written, or rejects at the first
 * thing wrong.
 */
class FormReceiver {
  readonly fields: Record<string, string> = {};
  readonly received: Promise<UploadedFile[]>;
  private readonly parser: MultipartParser;
  private readonly written: Array<{ part: PartHeaders; file: ScratchFile; finished: Promise<{ size: number; sha256: string }> | null }> = [];
  private part: PartHeaders | null = null;
  private partBytes = 0;
  private fieldValue: Buffer[] = [];
  private fieldCount = 0;
  private fieldBytes = 0;

  constructor(
    private readonly request: IncomingMessage,
    boundary: string,
    private readonly folder: string,
    private readonly limits: UploadLimits,
  ) {
    this.parser = new MultipartParser(boundary, MAX_PART_HEADER_BYTES);
    const body = new Promise<void>((resolve, reject) => {
      const stop = (error?: Error) => {
        request.off('data', onData).off('end', onEnd).off('error', stop).off('close', onClose);
        if (!error) return resolve();
        request.pause(); // nothing more of this body is wanted; the answer ends the connection's use
        reject(error);
      };
      const onData = (chunk: Buffer) => {
        try {
          for (const event of this.parser.write(chunk)) this.take(event);
        } catch (error) {
          stop(error as Error);
        }
      };
      const onEnd = () => stop(this.parser.finished ? undefined : new MalformedMultipart('the body ends before its closing boundary'));
      // A client that went away mid-body: the request closes without an end (and without an error
      // unless someone asked for one).
      const onClose = () => stop(interrupted());
      request.on('data', onData).on('end', onEnd).on('error', stop).on('close', onClose);
      if (request.destroyed) onClose(); // closed while the scratch folder was made
    });
    this.received = body.then(() => Promise.all(this.written.map((entry) => this.uploaded(entry))));
  }

  /** Stops whatever is still being written; the files go with the folder. */
  async abandon(): Promise<void> {
    await Promise.all(this.written.map(({ file }) => file.abandon()));
  }

  private take(event: MultipartEvent): void {
    if (event.type === 'part') {
      this.part = event.headers;
      this.partBytes = 0;
      if (event.headers.fileName !== null) {
        if (this.written.length >= this.limits.maxFiles) throw tooLarge(this.limits);
        // Files are named by us; the client's name is only ever displayed.
        const file = new ScratchFile(join(this.folder, randomUUID()), WRITE_AHEAD_BYTES, () => this.request.resume());
        this.written.push({ part: event.headers, file, finished: null });
      } else if (++this.fieldCount > (this.limits.maxFields ?? 50)) {
        throw payloadTooLarge(`More than ${this.limits.maxFields ?? 50} fields; nothing was kept`);
      }
      return;
    }
    const part = this.part!;
    const current = this.written.at(-1);
    if (event.type === 'data') {
      this.partBytes += event.data.length;
      if (part.fileName === null) {
        if ((this.fieldBytes += event.data.length) > (this.limits.maxFieldsSize ?? 64 * 1024)) {
          throw payloadTooLarge(`The fields are larger than ${this.limits.maxFieldsSize ?? 64 * 1024} bytes together; nothing was kept`);
        }
        this.fieldValue.push(event.data);
        return;
      }
      // Checked as bytes arrive: an oversized file is cut off early instead of landing on disk first.
      if (this.partBytes > this.limits.maxFileSize) throw tooLarge(this.limits);
      if (!current!.file.write(event.data)) this.request.pause();
      return;
    }
    // The end of a part. A field keeps its first value.
    if (part.fileName === null) {
      if (!Object.hasOwn(this.fields, part.field)) this.fields[part.field] = Buffer.concat(this.fieldValue).toString('utf8');
    } else {
      current!.finished = current!.file.finish();
      current!.finished.catch(() => {}); // awaited by `received`, unless the body failed first
    }
    this.fieldValue = [];
    this.part = null;
  }

  private async uploaded({ part, file, finished }: FormReceiver['written'][number]): Promise<UploadedFile> {
    const { size, sha256 } = await finished!;
    return { field: part.field, path: file.path, size, name: sanitizeFileName(part.fileName), clientMimeType: part.contentType, sha256 };
  }
}

function interrupted(): ApiError {
  return badRequest('The upload was interrupted; nothing was kept');
}

function tooLarge(limits: UploadLimits): ApiError {
  return payloadTooLarge(`Each file may be at most ${limits.maxFileSize} bytes (${limits.maxFiles} files at most); nothing was kept`, {
    details: { max_file_size: limits.maxFileSize, max_files: limits.maxFiles },
  });
}
