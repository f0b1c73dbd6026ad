// What may be uploaded, decided from the content's magic bytes (file-type), not from the name.
// A file whose content contradicts its extension's kind is refused, naming both. Plain-text formats
// have no magic bytes: they are accepted by extension only when the content really is text.
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileTypeFromFile } from 'file-type';
import type { MediaKind } from '../../db/media/files.js';
import { unsupportedMediaType } from '../shared/errors.js';

// The Flask system's lists, the minimum we accept. SVG is left out on purpose: it can carry script.
const EXTENSIONS: Record<MediaKind, string[]> = {
  image: ['png', 'jpg', 'jpeg', 'gif', 'bmp', 'webp', 'tif', 'tiff', 'heic', 'avif'],
  video: ['mp4', 'avi', 'mov', 'mkv', 'webm', 'flv', 'wmv', 'm4v', 'mpg', 'mpeg'],
  audio: ['mp3', 'wav', 'flac', 'aac', 'ogg', 'oga', 'm4a', 'wma', 'opus'],
  document: ['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'odt', 'ods', 'odp', 'rtf', 'txt', 'csv', 'md'],
};
const TEXT_TYPES: Record<string, string> = { txt: 'text/plain', csv: 'text/csv', md: 'text/markdown' };
const DOCUMENT_MIMES = [
  'application/pdf',
  'application/msword',
  'application/rtf',
  'application/x-cfb',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
];

export function kindOfExtension(fileName: string): MediaKind | null {
  const extension = extname(fileName).slice(1).toLowerCase();
  return (Object.keys(EXTENSIONS) as MediaKind[]).find((kind) => EXTENSIONS[kind].includes(extension)) ?? null;
}

function kindOfMime(mime: string): MediaKind | null {
  if (mime.startsWith('image/') && mime !== 'image/svg+xml') return 'image';
  if (mime.startsWith('video/')) return 'video';
  if (mime.startsWith('audio/')) return 'audio';
  if (DOCUMENT_MIMES.includes(mime) || mime.startsWith('application/vnd.openxmlformats-officedocument') || mime.startsWith('application/vnd.ms-')) {
    return 'document';
  }
  return null;
}

async function looksLikeText(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(8192), 0, 8192, 0);
    const sample = buffer.subarray(0, bytesRead);
    return !sample.includes(0) && !new TextDecoder('utf-8', { fatal: false }).decode(sample).includes('\uFFFD');
  } finally {
    await handle.close();
  }
}

export interface Sniffed {
  kind: MediaKind;
  mimeType: string;
}

/** The kind and type of an uploaded file from its bytes; 415 when not allowed or contradicting its name. */
export async function sniffUpload(path: string, fileName: string): Promise<Sniffed> {
  const named = kindOfExtension(fileName);
  const detected = await fileTypeFromFile(path);
  if (detected) {
    const kind = kindOfMime(detected.mime);
    if (!kind) throw unsupportedMediaType(`${fileName}: ${detected.mime} content is not accepted`, { details: { file: fileName, content: detected.mime } });
    if (named && named !== kind) {
      throw unsupportedMediaType(`${fileName} is named as ${named} (.${extname(fileName).slice(1)}) but its content is ${detected.mime}`, {
        details: { file: fileName, named_as: named, content: detected.mime },
      });
    }
    return { kind, mimeType: detected.mime };
  }
  const extension = extname(fileName).slice(1).toLowerCase();
  if (TEXT_TYPES[extension] && (await looksLikeText(path))) return { kind: 'document', mimeType: TEXT_TYPES[extension]! };
  throw unsupportedMediaType(
    named ? `${fileName}: the content is not a valid ${named} file` : `${fileName}: this kind of file is not accepted`,
    { details: { file: fileName, named_as: named, content: 'unknown' } },
  );
}
