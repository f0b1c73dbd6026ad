// A blob as an HTTP response the way browsers and download managers expect: Content-Length, strong
// ETag (the content hash), Last-Modified, byte ranges (206, suffix ranges, 416), conditional GETs
// (304), and a Content-Disposition that carries any file name safely (RFC 6266 / 5987). HEAD is
// answered from metadata without opening the file.
import type { Readable } from 'node:stream';
import type { H3Event } from 'h3';
import { downloadName } from './download-names.js';
import { ApiError } from './errors.js';
import type { BlobStore } from '../../core/blob-store.js';

export interface DownloadSource {
  store: BlobStore;
  key: string;
  size: number;
  sha256: string;
  modifiedAt: Date | string;
  /** As stored; the download is named to agree with `contentType` (see download-names). */
  fileName: string;
  contentType: string;
  /** Display in the browser (players, images) rather than save. */
  inline?: boolean;
}

/** `bytes=0-99`, `bytes=100-`, `bytes=-500` → an inclusive range; null for none or several; 'unsatisfiable'. */
export function parseRange(header: string | null, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null; // several ranges or another unit: serve the whole body, as RFC 9110 allows
  const [, first, last] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return null; // not a valid range: ignored, the whole body is sent (RFC 9110 §14.2)
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

/**
 * What a browser may render in place, on the API's origin, from a signed link anyone may be sent:
 * media and plain text. HTML, SVG, XML and the rest are always downloads, or an uploaded page could
 * run script as the API.
 */
const RENDERS_SAFELY_INLINE = /^(image\/(?!svg)|audio\/|video\/|text\/plain$|application\/pdf$)/;

export function contentDisposition(fileName: string, inline = false): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${inline ? 'inline' : 'attachment'}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * Sets the status and headers on the event and returns the body: the file as a Node stream, which
 * h3 hands to srvx to pipe straight into the socket (a web stream, or a Response h3 must re-wrap to
 * add the request id and CORS headers, costs a promise per chunk and capped downloads near 300 MB/s).
 */
export function blobResponse(event: H3Event, source: DownloadSource): Readable | null {
  const etag = `"${source.sha256}"`;
  const headers = event.res.headers;
  headers.set('accept-ranges', 'bytes');
  headers.set('etag', etag);
  headers.set('last-modified', new Date(source.modifiedAt).toUTCString());
  headers.set('content-type', source.contentType);
  headers.set('content-disposition', contentDisposition(downloadName(source.fileName, source.contentType), source.inline && RENDERS_SAFELY_INLINE.test(source.contentType)));
  headers.set('cache-control', 'private, max-age=0, must-revalidate');
  headers.set('x-content-type-options', 'nosniff');
  const ifNoneMatch = event.req.headers.get('if-none-match');
  // Weak comparison, as RFC 9110 asks of If-None-Match: a proxy that compressed the body sends W/"…".
  if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag || tag.trim() === '*')) {
    event.res.status = 304;
    return null;
  }
  const ifRange = event.req.headers.get('if-range');
  const range = ifRange && ifRange !== etag ? null : parseRange(event.req.headers.get('range'), source.size);
  if (range === 'unsatisfiable') {
    throw new ApiError(416, 'range_not_satisfiable', `The file has ${source.size} bytes`, { headers: { 'content-range': `bytes */${source.size}` } });
  }
  event.res.status = range ? 206 : 200;
  const length = range ? range.end - range.start + 1 : source.size;
  headers.set('content-length', String(length));
  if (range) headers.set('content-range', `bytes ${range.start}-${range.end}/${source.size}`);
  if (event.req.method === 'HEAD' || length === 0) return null;
  return source.store.read(source.key, range ?? undefined);
}
