// Blobs are content-addressed and shared by every media file with the same bytes (and thumbnails), so
// "nobody uses this blob any more, delete it" must not interleave with "store these bytes and reference
// them": a session advisory lock per key serialises the two. With core/blob-cleanup.ts's BlobReferences.
import { type CommonQueryMethods, type DatabasePool, sql } from 'slonik';
import { usedRow } from '../rows.js';

/** Whether any row still uses this blob (as content or as thumbnail). */
export async function isBlobReferenced(db: CommonQueryMethods, key: string): Promise<boolean> {
  return db.oneFirst(sql.type(usedRow)`
    select exists (select 1 from media_files where storage_key = ${key} or thumbnail_key = ${key}) as used`);
}

/**
 * Serialises "is this blob still used? then delete it" against "store this blob and reference it",
 * per blob key, so a concurrent upload of the same content never ends up pointing at a deleted blob.
 */
export function withBlobLock<T>(db: DatabasePool, key: string, work: (connection: CommonQueryMethods) => Promise<T>): Promise<T> {
  return db.connect(async (connection) => {
    await connection.query(sql.unsafe`select pg_advisory_lock(hashtext(${`media-blob:${key}`}))`);
    try {
      return await work(connection);
    } finally {
      await connection.query(sql.unsafe`select pg_advisory_unlock(hashtext(${`media-blob:${key}`}))`);
    }
  });
}
