// Activities of the media task queue: the steps of indexing an upload and removing blobs nobody
// references any more. Each is idempotent (running it twice changes nothing more) and retried.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import exifr from 'exifr';
import { parseStream } from 'music-metadata';
import sharp from 'sharp';
import { createLocalBlobStore } from '../core/blob-store.js';
import { removeUnreferencedBlobs } from '../core/blob-cleanup.js';
import * as mediaBlobs from '../db/media/blobs.js';
import { findMediaFile, type MediaFile, recordIndexFailure, recordIndexResult } from '../db/media/files.js';
import type { ActivityDeps } from './index.js';

const HEARTBEAT_EVERY_BYTES = 8 * 1024 * 1024;

export function createMediaActivities({ pools, config }: ActivityDeps) {
  const db = pools.media;
  const store = createLocalBlobStore(join(config.STORAGE_ROOT, 'media'));

  async function fileOrFail(fileId: number): Promise<MediaFile> {
    const file = await findMediaFile(db, fileId);
    // Deleted while indexing: nothing left to do, and retrying would not change that.
    if (!file) throw ApplicationFailure.nonRetryable(`media file ${fileId} no longer exists`, 'FileGone');
    return file;
  }

  /** A 320 px WebP of an image, or of an audio file's cover art; null when there is none. */
  async function renderThumbnail(file: MediaFile): Promise<Buffer | null> {
    let source: Buffer | null = null;
    if (file.file_type === 'image') source = await readAll(file.storage_key);
    if (file.file_type === 'audio') {
      const parsed = await parseStream(store.read(file.storage_key), { mimeType: file.mime_type, size: file.size_bytes });
      const cover = parsed.common.picture?.[0];
      source = cover ? Buffer.from(cover.data) : null;
    }
    if (!source) return null;
    try {
      return await sharp(source).rotate().resize(320, 320, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
    } catch (error) {
      throw ApplicationFailure.nonRetryable(`No thumbnail could be made: ${(error as Error).message}`, 'UnreadableContent');
    }
  }

  async function readAll(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of store.read(key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  return {
    /** sha256 of the stored bytes, streamed; reports progress so a stuck read is noticed and retried. */
    async computeChecksum(fileId: number): Promise<string> {
      const file = await fileOrFail(fileId);
      const hash = createHash('sha256');
      let sinceBeat = 0;
      for await (const chunk of store.read(file.storage_key)) {
        hash.update(chunk as Buffer);
        sinceBeat += (chunk as Buffer).length;
        if (sinceBeat >= HEARTBEAT_EVERY_BYTES) {
          heartbeat();
          sinceBeat = 0;
        }
      }
      const checksum = hash.digest('hex');
      if (checksum !== file.storage_key) throw ApplicationFailure.nonRetryable('The stored bytes do not match their checksum', 'CorruptBlob');
      return checksum;
    },

    /** What the container says: dimensions and EXIF for images, tags and duration for audio/video, pages for PDFs. */
    async extractMetadata(fileId: number): Promise<Record<string, unknown>> {
      const file = await fileOrFail(fileId);
      try {
        if (file.file_type === 'image') {
          const image = await sharp(await readAll(file.storage_key)).metadata();
          const exif = await exifr.parse(await readAll(file.storage_key), { pick: ['DateTimeOriginal', 'Make', 'Model', 'Orientation'], translateValues: false }).catch(() => null);
          return {
            width: image.autoOrient?.width ?? image.width,
            height: image.autoOrient?.height ?? image.height,
            format: image.format,
            ...(exif?.DateTimeOriginal && { taken_at: new Date(exif.DateTimeOriginal).toISOString() }),
            ...((exif?.Make || exif?.Model) && { camera: [exif.Make, exif.Model].filter(Boolean).join(' ') }),
            ...(exif?.Orientation && { orientation: exif.Orientation }),
          };
        }
        if (file.file_type === 'audio' || file.file_type === 'video') {
          const parsed = await parseStream(store.read(file.storage_key), { mimeType: file.mime_type, size: file.size_bytes }, { duration: true, skipCovers: true });
          const video = parsed.format.trackInfo?.find((track) => track.video)?.video;
          return {
            ...(parsed.format.duration !== undefined && { duration: Math.round(parsed.format.duration * 1000) / 1000 }),
            ...(parsed.common.title && { title: parsed.common.title }),
            ...(parsed.common.artist && { artist: parsed.common.artist }),
            ...(parsed.common.album && { album: parsed.common.album }),
            ...(parsed.common.year && { year: parsed.common.year }),
            ...(video?.pixelWidth && { width: video.pixelWidth, height: video.pixelHeight }),
          };
        }
        if (file.mime_type === 'application/pdf') {
          const text = (await readAll(file.storage_key)).toString('latin1');
          return { pages: (text.match(/\/Type\s*\/Page(?!s)\b/g) ?? []).length };
        }
        return {};
      } catch (error) {
        throw ApplicationFailure.nonRetryable(`The ${file.file_type} could not be read: ${(error as Error).message}`, 'UnreadableContent');
      }
    },

    /** Stores the file's thumbnail (a blob like any other, shared by identical files); null when it has none. */
    async makeThumbnail(fileId: number): Promise<string | null> {
      const thumbnail = await renderThumbnail(await fileOrFail(fileId));
      return thumbnail ? (await store.put(Readable.from(thumbnail))).key : null;
    },

    /**
     * Records what indexing found, the thumbnail under its blob lock: until this row references it, a
     * thumbnail shared with an identical file being deleted looks unreferenced and may be removed, so
     * one that is gone is made again first.
     */
    async finishIndexing(input: { fileId: number; checksum: string; metadata: Record<string, unknown>; thumbnailKey: string | null }): Promise<void> {
      if (!input.thumbnailKey) return recordIndexResult(db, input.fileId, input);
      await mediaBlobs.withBlobLock(db, input.thumbnailKey, async (connection) => {
        let thumbnailKey: string | null = input.thumbnailKey;
        if (!(await store.stat(input.thumbnailKey!))) {
          const thumbnail = await renderThumbnail(await fileOrFail(input.fileId));
          thumbnailKey = thumbnail ? (await store.put(Readable.from(thumbnail))).key : null;
        }
        await recordIndexResult(connection, input.fileId, { ...input, thumbnailKey });
      });
    },

    async markIndexFailed(input: { fileId: number; reason: string }): Promise<void> {
      await recordIndexFailure(db, input.fileId, input.reason);
    },

    /** Deletes each blob no row references any more (content or thumbnail). Safe to run again. */
    async removeUnreferencedBlobs(keys: string[]): Promise<number> {
      return removeUnreferencedBlobs(db, store, mediaBlobs, keys);
    },
  };
}

export type MediaActivities = ReturnType<typeof createMediaActivities>;
