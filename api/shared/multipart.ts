// A streaming multipart/form-data parser (RFC 7578). Bytes go in as they come off the socket; out
// come part headers and part data, the data as views of the chunks that were passed in (never
// copied, never gathered), found with Buffer#indexOf, which is native and many times faster than a
// byte-by-byte state machine. It reads bytes and nothing else: where the data goes is the caller's.

export interface PartHeaders {
  /** The form field (`name` of Content-Disposition). */
  field: string;
  /** Present for files (`filename` of Content-Disposition), as the client sent it. */
  fileName: string | null;
  contentType: string | null;
}

export type MultipartEvent = { type: 'part'; headers: PartHeaders } | { type: 'data'; data: Buffer } | { type: 'partEnd' };

/** The body is not multipart as it claimed to be; nothing in it should be kept. */
export class MalformedMultipart extends Error {}

/** The boundary of a multipart Content-Type, or null when it names none. */
export function boundaryOf(contentType: string): string | null {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return match ? (match[1] ?? match[2]!) : null;
}

const CR = 13;
const HEADERS_END = Buffer.from('\r\n\r\n');

const enum State {
  /** Looking for a delimiter; bytes before it are data of the open part (or preamble when none). */
  Data,
  /** Just after a delimiter: `\r\n` opens a part, `--` closes the body. */
  AfterDelimiter,
  Headers,
  /** After the closing delimiter: the epilogue, ignored. */
  Done,
}

export class MultipartParser {
  /** `\r\n--boundary`: what ends every part's data. */
  private readonly delimiter: Buffer;
  private state = State.Data;
  private inPart = false;
  /** Bytes left over from the last chunk that could not be decided yet (a possible delimiter start, part headers). */
  private carry: Buffer;

  constructor(boundary: string, private readonly maxHeaderBytes: number) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
    // The first delimiter may open the body without a line break before it: pretend there was one.
    this.carry = Buffer.from('\r\n');
  }

  get finished(): boolean {
    return this.state === State.Done;
  }

  /** The events `chunk` completes, in order. Data events are views of `chunk` (or a small copied carry). */
  *write(chunk: Buffer): Generator<MultipartEvent> {
    let buffer = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = EMPTY;
    let at = 0;
    while (at < buffer.length) {
      switch (this.state) {
        case State.Data: {
          const found = buffer.indexOf(this.delimiter, at);
          if (found === -1) {
            // Everything up to a possible beginning of a delimiter is data; keep that beginning.
            const keep = this.partialDelimiterAt(buffer, at);
            if (this.inPart && keep > at) yield { type: 'data', data: buffer.subarray(at, keep) };
            this.carry = Buffer.from(buffer.subarray(keep));
            return;
          }
          if (this.inPart) {
            if (found > at) yield { type: 'data', data: buffer.subarray(at, found) };
            yield { type: 'partEnd' };
            this.inPart = false;
          }
          at = found + this.delimiter.length;
          this.state = State.AfterDelimiter;
          break;
        }
        case State.AfterDelimiter: {
          if (buffer.length - at < 2) {
            this.carry = Buffer.from(buffer.subarray(at));
            return;
          }
          const next = buffer.toString('latin1', at, at + 2);
          if (next === '--') {
            this.state = State.Done;
            return;
          }
          if (next !== '\r\n') throw new MalformedMultipart('a boundary is followed by neither a line break nor "--"');
          at += 2;
          this.state = State.Headers;
          break;
        }
        case State.Headers: {
          const end = buffer.indexOf(HEADERS_END, at);
          const size = (end === -1 ? buffer.length : end) - at;
          if (size > this.maxHeaderBytes) throw new MalformedMultipart(`a part's headers are larger than ${this.maxHeaderBytes} bytes`);
          if (end === -1) {
            this.carry = Buffer.from(buffer.subarray(at));
            return;
          }
          const headers = parsePartHeaders(buffer.toString('utf8', at, end));
          yield { type: 'part', headers };
          this.inPart = true;
          at = end + HEADERS_END.length;
          this.state = State.Data;
          break;
        }
        case State.Done:
          return;
      }
    }
  }

  /**
   * Where in `buffer` (not before `from`) a delimiter might begin that the next chunk would complete:
   * the first CR in the last delimiter-length bytes whose tail is a prefix of the delimiter, else the end.
   */
  private partialDelimiterAt(buffer: Buffer, from: number): number {
    let candidate = buffer.indexOf(CR, Math.max(from, buffer.length - this.delimiter.length + 1));
    while (candidate !== -1) {
      const tail = buffer.length - candidate;
      if (buffer.compare(this.delimiter, 0, tail, candidate) === 0) return candidate;
      candidate = buffer.indexOf(CR, candidate + 1);
    }
    return buffer.length;
  }
}

const EMPTY = Buffer.alloc(0);

/** Content-Disposition's name and filename and the Content-Type of one part's header block. */
function parsePartHeaders(block: string): PartHeaders {
  let disposition = '';
  let contentType: string | null = null;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition') disposition = value;
    else if (name === 'content-type') contentType = value || null;
  }
  if (!/^form-data\b/i.test(disposition)) throw new MalformedMultipart('a part is not form-data');
  const field = dispositionParameter(disposition, 'name');
  if (field === null) throw new MalformedMultipart('a part has no field name');
  // Browsers send a `"` in a file name as %22 (HTML's multipart encoding).
  const fileName = dispositionParameter(disposition, 'filename')?.replaceAll('%22', '"') ?? null;
  return { field, fileName, contentType };
}

/** One parameter of a Content-Disposition value, quoted (with backslash escapes) or a bare token. */
function dispositionParameter(disposition: string, parameter: string): string | null {
  const match = new RegExp(`;\\s*${parameter}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i').exec(disposition);
  if (!match) return null;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!;
}
