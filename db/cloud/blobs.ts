// Blobs are content-addressed and shared by every version with the same bytes, so "nobody uses this
// blob any more, delete it" must not interleave with "store these bytes and reference them": a
// transaction-scoped advisory lock per key serialises the two. Keys are locked in sorted order so two
// transactions locking several keys cannot deadlock.
import { type CommonQueryMethods, type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import { usedRow } from '../rows.js';

export async function lockBlobs(transaction: CommonQueryMethods, keys: Iterable<string>): Promise<void> {
  for (const key of [...new Set(keys)].sort()) {
    await transaction.query(sql.unsafe`select pg_advisory_xact_lock(hashtext(${`cloud-blob:${key}`}))`);
  }
}

/** Whether any stored version of any file still uses this blob. */
export function isBlobReferenced(db: CommonQueryMethods, key: string) {
  return db.oneFirst(sql.type(usedRow)`
    select exists (select 1 from file_versions where storage_key = ${key}) as used`);
}

/** Runs `work` in a transaction holding the blob's lock (core/blob-cleanup.ts's BlobReferences). */
export function withBlobLock<T>(pool: DatabasePool, key: string, work: (transaction: CommonQueryMethods) => Promise<T>): Promise<T> {
  return pool.transaction(async (transaction) => {
    await lockBlobs(transaction, [key]);
    return work(transaction);
  });
}
