// Share links. Only a hash of the token is stored; the row is the truth the download path reads.
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { idRow } from '../rows.js';

const waitRow = z.object({ wait: z.number() });

export const shareRow = z.object({
  id: z.number(),
  file_id: z.number(),
  owner_id: z.number(),
  expires_at: z.string(),
  has_password: z.boolean(),
  max_downloads: z.number().nullable(),
  download_count: z.number(),
  state: z.enum(['active', 'expired', 'revoked']),
  created_at: z.string(),
});
const shareWithHashRow = shareRow.extend({ password_hash: z.string().nullable() });
/** What a shared download serves: the current version of the link's file. */
const sharedVersionRow = z.object({
  file_name: z.string(),
  storage_key: z.string(),
  size_bytes: z.number(),
  mime_type: z.string(),
  version_created_at: z.string(),
});
export type SharedVersion = z.infer<typeof sharedVersionRow>;
const shareForDownloadRow = shareWithHashRow.extend({
  file_name: z.string().nullable(),
  storage_key: z.string().nullable(),
  size_bytes: z.number().nullable(),
  mime_type: z.string().nullable(),
  version_created_at: z.string().nullable(),
});
/**
 * A link as its owner sees it. Its state reads 'expired' from the moment it expires, whether or not
 * its workflow has marked the row yet (the worker may be down, or the API may have died between the
 * row and the workflow's start).
 */
const COLUMNS = sql.fragment`id, file_id, owner_id, expires_at, password_hash is not null as has_password, max_downloads, download_count,
  case when state = 'active' and expires_at <= now() then 'expired' else state end as state, created_at`;
/** The version a download serves, from `cloud_files f` and `file_versions v` joined to the link. */
const VERSION_COLUMNS = sql.fragment`f.name as file_name, v.storage_key, v.size_bytes, v.mime_type, v.created_at as version_created_at`;
/** A link that allows one more download (its column names are share_links' own, so joins keep them unambiguous). */
const ALLOWS_DOWNLOAD = sql.fragment`state = 'active' and expires_at > now() and (max_downloads is null or download_count < max_downloads)`;

/**
 * A new link to one of the owner's files, checked to be theirs in the same round trip; null when the owner
 * has no such file (or it was deleted).
 */
export function insertShare(db: CommonQueryMethods, share: { tokenHash: Buffer; tokenSeed: string; fileId: number; ownerId: number; expiresAt: string; passwordHash: string | null; maxDownloads: number | null }) {
  return db.maybeOne(sql.type(shareRow)`
    with file as (select id from cloud_files where id = ${share.fileId} and owner_id = ${share.ownerId} and deleted_at is null)
    insert into share_links (token_hash, token_seed, file_id, owner_id, expires_at, password_hash, max_downloads)
    select ${sql.binary(share.tokenHash)}, ${share.tokenSeed}, file.id, ${share.ownerId}, ${share.expiresAt}, ${share.passwordHash}, ${share.maxDownloads} from file
    returning ${COLUMNS}`);
}

/** Takes back a link whose workflow could not be started. */
export function deleteShare(db: CommonQueryMethods, id: number) {
  return db.query(sql.unsafe`delete from share_links where id = ${id}`);
}

export function findShareByHash(db: CommonQueryMethods, tokenHash: Buffer) {
  return db.maybeOne(sql.type(shareWithHashRow)`
    select ${COLUMNS}, password_hash from share_links where token_hash = ${sql.binary(tokenHash)}`);
}

/**
 * A link with what a download needs of its file's current version, in one round trip (the shared
 * download path is latency-bound); the version fields are null when the file is gone.
 */
export function findShareForDownload(db: CommonQueryMethods, tokenHash: Buffer) {
  return db.maybeOne(sql.type(shareForDownloadRow)`
    with s as (select ${COLUMNS}, password_hash from share_links where token_hash = ${sql.binary(tokenHash)})
    select s.*, ${VERSION_COLUMNS}
    from s
    left join cloud_files f on f.id = s.file_id and f.owner_id = s.owner_id and f.deleted_at is null
    left join file_versions v on v.file_id = f.id and v.version = f.version`);
}

/** One link of one of the owner's files, by its id (what the owner still has after losing the token). */
export function findOwnedShare(db: CommonQueryMethods, link: { id: number; fileId: number; ownerId: number }) {
  return db.maybeOne(sql.type(shareRow)`
    select ${COLUMNS} from share_links where id = ${link.id} and file_id = ${link.fileId} and owner_id = ${link.ownerId}`);
}

export function listShares(db: CommonQueryMethods, fileId: number) {
  return db.any(sql.type(shareRow)`select ${COLUMNS} from share_links where file_id = ${fileId} order by id desc`);
}

/** Counts a download if the link allows one more; false when the limit is reached. */
export async function countDownload(db: CommonQueryMethods, id: number): Promise<boolean> {
  const counted = await db.maybeOneFirst(sql.type(idRow)`
    update share_links set download_count = download_count + 1
    where id = ${id} and ${ALLOWS_DOWNLOAD}
    returning id`);
  return counted !== null;
}

/**
 * The download of an open link in one round trip: a link that is active, unexpired, under its limit
 * and without a password, whose file still exists, is counted and its current version returned.
 * Null when any of that does not hold; the caller then reads the link to say why, or to check its
 * password. (Lookup and count as two statements were a third of a 100 MB download's time to first byte.)
 */
export function claimOpenDownload(db: CommonQueryMethods, tokenHash: Buffer) {
  return db.maybeOne(sql.type(sharedVersionRow)`
    update share_links s set download_count = s.download_count + 1
    from cloud_files f join file_versions v on v.file_id = f.id and v.version = f.version
    where s.token_hash = ${sql.binary(tokenHash)} and f.id = s.file_id and f.owner_id = s.owner_id and f.deleted_at is null
      and s.password_hash is null and ${ALLOWS_DOWNLOAD}
    returning ${VERSION_COLUMNS}`);
}

export function setShareState(db: CommonQueryMethods, id: number, state: 'expired' | 'revoked') {
  return db.maybeOneFirst(sql.type(idRow)`
    update share_links set state = ${state} where id = ${id} and state = 'active' returning id`);
}

/** Seconds until another password may be tried on this link (0: now), after `limit` failures within `windowSeconds`. */
export function passwordRetryAfter(db: CommonQueryMethods, id: number, limit: number, windowSeconds: number) {
  return db.oneFirst(sql.type(waitRow)`
    select case when password_failures >= ${limit} and password_failed_at > now() - make_interval(secs => ${windowSeconds})
      then ceil(extract(epoch from password_failed_at + make_interval(secs => ${windowSeconds}) - now()))::int else 0 end as wait
    from share_links where id = ${id}`);
}

/**
 * Takes one password attempt for the link, counted before the password is checked; false once
 * `limit` were taken within the window (a quiet window starts a new count). One statement, so guesses
 * sent in parallel queue on the row and cannot all pass a check made before any of them was counted.
 * A right password gives the count back (clearPasswordFailures).
 */
export async function takePasswordAttempt(db: CommonQueryMethods, id: number, limit: number, windowSeconds: number): Promise<boolean> {
  const taken = await db.maybeOneFirst(sql.type(idRow)`
    update share_links set
      password_failures = case when password_failed_at > now() - make_interval(secs => ${windowSeconds}) then password_failures + 1 else 1 end,
      password_failed_at = now()
    where id = ${id} and not (password_failures >= ${limit} and password_failed_at > now() - make_interval(secs => ${windowSeconds}))
    returning id`);
  return taken !== null;
}

export async function clearPasswordFailures(db: CommonQueryMethods, id: number): Promise<void> {
  await db.query(sql.unsafe`update share_links set password_failures = 0, password_failed_at = null where id = ${id} and password_failures > 0`);
}
