// Values the Flask system's file answers carried that Qhitz derives from its own rows, the same way
// for media and cloud (FLASK_CONTRACT.md): the extension, the stored name, sizes in rounded units.
import { extname } from 'node:path';

/** The extension of a name, lower case without its dot ('' when it has none), as Flask's `file_extension`. */
export const extensionOf = (name: string) => extname(name).slice(1).toLowerCase();

/**
 * The file's stored name in the Flask sense: stable, unique and free of the client's words. Blobs are
 * named by content hash and shared between identical uploads (and a path must not leak), so the id
 * names it, not the storage key.
 */
export function storedName(id: number, originalName: string): string {
  const extension = extensionOf(originalName);
  return extension ? `${id}.${extension}` : String(id);
}

/** Bytes in MiB (`*_mb`) or GiB (`*_gb`), two decimals, as the Flask system rounded them. */
export const megabytes = (bytes: number) => Math.round((bytes / 2 ** 20) * 100) / 100;
export const gigabytes = (bytes: number) => Math.round((bytes / 2 ** 30) * 100) / 100;
