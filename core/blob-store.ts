// Where uploaded bytes live. Blobs are content-addressed (the key is their sha256), so two uploads of
// the same content share one blob, and a client's file name never becomes a path. Writes go to a
// temporary file first and are renamed into place: a crash never leaves a half-written blob under a
// real key. The interface is small so an S3-compatible store can replace the local disk.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredBlob {
  key: string;
  size: number;
  sha256: string;
}

export interface BlobStore {
  /** Streams `source` in; resolves when the blob is durable under its key. */
  put(source: Readable): Promise<StoredBlob>;
  /**
   * Takes in a file already on the store's disk (e.g. a parsed upload in `scratchDir`) without copying
   * its bytes: it is hashed (unless `known` says what it hashes to), then hard-linked under its key.
   * The file itself stays where it was.
   */
  adopt(path: string, known?: { sha256: string; size: number }): Promise<StoredBlob>;
  /** Bytes start..end inclusive (the whole blob without a range). */
  read(key: string, range?: { start: number; end: number }): Readable;
  stat(key: string): Promise<{ size: number; modifiedAt: Date } | null>;
  /** Removing a missing blob is not an error: deletes are retried. */
  delete(key: string): Promise<void>;
  /** Every stored blob (not scratch files), for sweeps. */
  list(): AsyncIterable<{ key: string; modifiedAt: Date }>;
  /** Where new uploads are parsed to before they become blobs (same disk, so renames are cheap). */
  scratchDir: string;
}

const KEY = /^[0-9a-f]{64}$/;

export function createLocalBlobStore(root: string): BlobStore {
  const scratchDir = join(root, 'tmp');
  const pathOf = (key: string) => {
    if (!KEY.test(key)) throw new Error(`not a blob key: ${key}`);
    return join(root, key.slice(0, 2), key.slice(2, 4), key);
  };

  const store: BlobStore = {
    scratchDir,

    async put(source) {
      await mkdir(scratchDir, { recursive: true });
      const temporary = join(scratchDir, `${randomUUID()}.part`);
      const hash = createHash('sha256');
      let size = 0;
      source.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
      });
      try {
        await pipeline(source, createWriteStream(temporary, { flags: 'wx' }));
        const sha256 = hash.digest('hex');
        const finalPath = pathOf(sha256);
        await mkdir(join(finalPath, '..'), { recursive: true });
        // Same content already stored: keep the existing blob (rename would replace it atomically anyway).
        await rename(temporary, finalPath);
        return { key: sha256, size, sha256 };
      } finally {
        await rm(temporary, { force: true });
      }
    },

    async adopt(path, known) {
      const { sha256, size } = known ?? (await hashFile(path));
      const finalPath = pathOf(sha256);
      await mkdir(join(finalPath, '..'), { recursive: true });
      try {
        await link(path, finalPath);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // EEXIST: these bytes are stored already. Otherwise (another disk, no hard links) copy them in.
        if (code !== 'EEXIST') return store.put(createReadStream(path));
      }
      return { key: sha256, size, sha256 };
    },

    read(key, range) {
      // 1 MiB reads: each chunk crosses several stream layers on its way out, so fewer chunks go faster.
      return createReadStream(pathOf(key), { highWaterMark: 1024 * 1024, ...(range && { start: range.start, end: range.end }) });
    },

    async stat(key) {
      try {
        const info = await stat(pathOf(key));
        return { size: info.size, modifiedAt: info.mtime };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },

    async delete(key) {
      await rm(pathOf(key), { force: true });
    },

    async *list() {
      const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (!entry.isFile() || !KEY.test(entry.name)) continue;
        const info = await store.stat(entry.name);
        if (info) yield { key: entry.name, modifiedAt: info.modifiedAt };
      }
    },
  };
  return store;
}

async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}
