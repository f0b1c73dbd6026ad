// The name a download is saved under must agree with the type it is served as. A PNG uploaded as
// `poly.html` is served as image/png (it renders as an image), but saved as poly.html a double click
// would open it as a page: the name takes the type's extension instead (poly.png).
import { extname } from 'node:path';

/** Extensions by type, the usual one first; a type not listed here leaves the name alone. */
const EXTENSIONS_BY_TYPE: Record<string, string[]> = {
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg', 'jpe', 'jfif'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'image/bmp': ['bmp'],
  'image/tiff': ['tif', 'tiff'],
  'image/heic': ['heic'],
  'image/heif': ['heif', 'heic'],
  'image/avif': ['avif'],
  'image/x-icon': ['ico'],
  'image/svg+xml': ['svg', 'svgz'],
  'video/mp4': ['mp4', 'm4v'],
  'video/x-m4v': ['m4v', 'mp4'],
  'video/quicktime': ['mov', 'qt'],
  'video/webm': ['webm'],
  'video/x-matroska': ['mkv'],
  'video/vnd.avi': ['avi'],
  'video/x-msvideo': ['avi'],
  'video/x-flv': ['flv'],
  'video/x-ms-asf': ['wmv', 'asf'],
  'video/mpeg': ['mpg', 'mpeg'],
  'audio/mpeg': ['mp3'],
  'audio/wav': ['wav'],
  'audio/x-wav': ['wav'],
  'audio/flac': ['flac'],
  'audio/x-flac': ['flac'],
  'audio/aac': ['aac'],
  'audio/ogg': ['ogg', 'oga', 'opus'],
  'audio/opus': ['opus', 'ogg'],
  'audio/mp4': ['m4a', 'mp4'],
  'audio/x-m4a': ['m4a'],
  'audio/x-ms-asf': ['wma', 'asf'],
  'application/pdf': ['pdf'],
  'application/rtf': ['rtf'],
  'application/msword': ['doc'],
  'application/x-cfb': ['doc', 'xls', 'ppt', 'msg'],
  'application/vnd.ms-excel': ['xls'],
  'application/vnd.ms-powerpoint': ['ppt'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['docx'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['xlsx'],
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': ['pptx'],
  'application/vnd.oasis.opendocument.text': ['odt'],
  'application/vnd.oasis.opendocument.spreadsheet': ['ods'],
  'application/vnd.oasis.opendocument.presentation': ['odp'],
  'application/zip': ['zip'],
  'application/gzip': ['gz', 'tgz'],
  'application/json': ['json'],
  'text/plain': ['txt'],
  'text/csv': ['csv'],
  'text/markdown': ['md', 'markdown'],
  'text/html': ['html', 'htm'],
  'application/xhtml+xml': ['xhtml', 'xht'],
  'text/javascript': ['js', 'mjs'],
  'text/xml': ['xml'],
  'application/xml': ['xml'],
};

/** What an extension says a file is, from the table above. */
const TYPED_EXTENSIONS = new Set(Object.values(EXTENSIONS_BY_TYPE).flat());

/** Extensions a desktop runs, or opens as a page or program, whatever the bytes. */
const ACTIVE_EXTENSIONS = new Set(['html', 'htm', 'shtml', 'xhtml', 'xht', 'mht', 'mhtml', 'svg', 'svgz', 'xml', 'xsl', 'js', 'mjs', 'hta', 'exe', 'dll', 'com', 'scr', 'msi', 'bat', 'cmd', 'ps1', 'vbs', 'wsf', 'jar', 'sh', 'lnk', 'url', 'desktop', 'app', 'pif', 'reg']);

/**
 * Types whose files are what they say: media sniffs them, and browsers render them in place. Their
 * names always carry their extension. Other types (a .csv a browser declared as a spreadsheet, a .log
 * sent as text/plain) keep their names, unless the extension would run or open as a page.
 */
const RENDERED = /^(image|audio|video)\/|^application\/pdf$/;

/**
 * `fileName`, with the extension of `contentType` where its own would tell the desktop otherwise:
 * an active extension (html, exe, …) is replaced by the type's whatever the type; for images, audio,
 * video and PDF any other extension is replaced, and a missing or unknown one gets the type's added.
 * Types not in the table keep the name (nothing to agree with: application/octet-stream).
 */
export function downloadName(fileName: string, contentType: string): string {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const extensions = EXTENSIONS_BY_TYPE[type];
  if (!extensions) return fileName;
  const ownExtension = extname(fileName);
  const extension = ownExtension.slice(1).toLowerCase();
  if (extensions.includes(extension)) return fileName;
  const strict = RENDERED.test(type);
  if (ACTIVE_EXTENSIONS.has(extension) || (strict && TYPED_EXTENSIONS.has(extension))) {
    return `${fileName.slice(0, -ownExtension.length) || 'file'}.${extensions[0]}`;
  }
  return strict ? `${fileName}.${extensions[0]}` : fileName;
}
