// Files, their versions and the owner's quota. A new upload of an existing name in a folder is a new
// version of that file; the last `keep` versions are kept.
import { type CommonQueryMethods, type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import { containing } from '../like.js';
import { countRow, idRow, storedBytesRow } from '../rows.js';

const quotaRow = z.object({ used_bytes: z.number(), quota_bytes: z.number() });
const statsRow = z.object({ files: z.number(), files_bytes: z.number(), folders: z.number(), versions_bytes: z.number(), by_type: z.record(z.string(), z.number()) });
const reservedRow = z.object({ reserved: z.number() });

export const cloudFileRow = z.object({
  id: z.number(),
  owner_id: z.number(),
  folder_id: z.number().nullable(),
  name: z.string(),
  mime_type: z.string(),
  size_bytes: z.number(),
  storage_key: z.string(),
  version: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type CloudFile = z.infer<typeof cloudFileRow>;
const COLUMNS = sql.fragment`id, owner_id, folder_id, name, mime_type, size_bytes, storage_key, version, created_at, updated_at`;
const QUALIFIED_COLUMNS = sql.fragment`f.id, f.owner_id, f.folder_id, f.name, f.mime_type, f.size_bytes, f.storage_key, f.version, f.created_at, f.updated_at`;

/**
 * Whether a file has a link that opens it now, and what its token is derived from (the newest such
 * link, preferring one whose token can be derived): `token_seed` is null for links made before seeds.
 */
export const shareStateRow = z.object({ is_shared: z.boolean(), share_token_seed: z.string().nullable(), share_token_hash: z.string().nullable() });
export type ShareState = z.infer<typeof shareStateRow>;
export const sharedFileRow = cloudFileRow.extend(shareStateRow.shape);
export type SharedFile = z.infer<typeof sharedFileRow>;
const fileShareRow = shareStateRow.extend({ file_id: z.number() });
/** The share state of `cloud_files f`, to be joined `on true` (share_links_active_file serves it). */
const SHARE_STATE = sql.fragment`lateral (
  select s.token_seed, encode(s.token_hash, 'hex') as token_hash from share_links s
  where s.file_id = f.id and s.state = 'active' and s.expires_at > now() and (s.max_downloads is null or s.download_count < s.max_downloads)
  order by s.token_seed is null, s.id desc limit 1) share`;
const SHARE_COLUMNS = sql.fragment`share.token_hash is not null as is_shared, share.token_seed as share_token_seed, share.token_hash as share_token_hash`;

/** The share state of each of these files (one statement), for answers that show single files. */
export async function shareStates(db: CommonQueryMethods, fileIds: readonly number[]): Promise<Map<number, ShareState>> {
  const rows = await db.any(sql.type(fileShareRow)`
    select f.id as file_id, ${SHARE_COLUMNS} from cloud_files f left join ${SHARE_STATE} on true
    where f.id = any(${sql.array([...fileIds], 'int8')})`);
  return new Map(rows.map(({ file_id: id, ...state }) => [id, state]));
}

export const versionRow = z.object({ version: z.number(), size_bytes: z.number(), mime_type: z.string(), storage_key: z.string(), created_at: z.string() });

/**
 * Reserves `bytes` of the owner's quota for an upload (creating their row at `defaultQuota`) until
 * `leaseMs` from now, or returns the figures that refuse it. The owner's quota row is locked while
 * counting, so concurrent reservations cannot together pass the quota; lapsed leases (an API that
 * crashed mid-upload) count for nothing and are removed here.
 */
export async function reserveQuota(pool: DatabasePool, ownerId: number, bytes: number, defaultQuota: number, leaseMs: number) {
  return pool.transaction(async (transaction) => {
    await transaction.query(sql.unsafe`insert into quotas (owner_id, quota_bytes) values (${ownerId}, ${defaultQuota}) on conflict (owner_id) do nothing`);
    const quota = await transaction.one(sql.type(quotaRow)`
      select used_bytes, quota_bytes from quotas where owner_id = ${ownerId} for update`);
    await transaction.query(sql.unsafe`delete from quota_reservations where owner_id = ${ownerId} and expires_at <= now()`);
    const reserved = await transaction.oneFirst(sql.type(reservedRow)`
      select coalesce(sum(bytes), 0)::bigint as reserved from quota_reservations where owner_id = ${ownerId}`);
    if (quota.used_bytes + reserved + bytes > quota.quota_bytes) {
      return { ok: false as const, used: quota.used_bytes + reserved, quota: quota.quota_bytes };
    }
    const reservationId = await transaction.oneFirst(sql.type(idRow)`
      insert into quota_reservations (owner_id, bytes, expires_at)
      values (${ownerId}, ${bytes}, now() + ${leaseMs} * interval '1 millisecond') returning id`);
    return { ok: true as const, reservationId };
  });
}

/** Ends a reservation: the upload was recorded (its usage added in the same transaction) or failed. */
export async function releaseReservation(db: CommonQueryMethods, reservationId: number) {
  await db.query(sql.unsafe`delete from quota_reservations where id = ${reservationId}`);
}

/** Adds (or with a negative `bytes`, removes) stored bytes to the owner's usage. */
export async function addUsage(db: CommonQueryMethods, ownerId: number, bytes: number) {
  await db.query(sql.unsafe`update quotas set used_bytes = greatest(used_bytes + ${bytes}, 0) where owner_id = ${ownerId}`);
}

export function getQuota(db: CommonQueryMethods, ownerId: number, defaultQuota: number) {
  return db.one(sql.type(quotaRow)`
    select coalesce((select quota_bytes from quotas where owner_id = ${ownerId}), ${defaultQuota})::bigint as quota_bytes,
           coalesce((select used_bytes from quotas where owner_id = ${ownerId}), 0)::bigint as used_bytes`);
}

export async function setQuota(db: CommonQueryMethods, ownerId: number, quotaBytes: number) {
  await db.query(sql.unsafe`
    insert into quotas (owner_id, quota_bytes) values (${ownerId}, ${quotaBytes})
    on conflict (owner_id) do update set quota_bytes = excluded.quota_bytes`);
}

/**
 * Stores an upload: a new file, or a new version of the live file with that name in that folder.
 * Versions beyond `keep` are dropped; returns the file and the bytes the drop freed (blobs to check).
 */
export async function storeUpload(
  db: CommonQueryMethods,
  upload: { ownerId: number; folderId: number | null; name: string; mimeType: string; size: number; storageKey: string; keep: number },
) {
  const file = await db.one(sql.type(cloudFileRow)`
    insert into cloud_files (owner_id, folder_id, name, mime_type, size_bytes, storage_key)
    values (${upload.ownerId}, ${upload.folderId}, ${upload.name}, ${upload.mimeType}, ${upload.size}, ${upload.storageKey})
    on conflict (owner_id, folder_id, name) where deleted_at is null do update set
      version = cloud_files.version + 1, mime_type = excluded.mime_type, size_bytes = excluded.size_bytes,
      storage_key = excluded.storage_key, updated_at = now()
    returning ${COLUMNS}`);
  await db.query(sql.unsafe`
    insert into file_versions (file_id, version, storage_key, size_bytes, mime_type)
    values (${file.id}, ${file.version}, ${upload.storageKey}, ${upload.size}, ${upload.mimeType})`);
  const dropped = await db.any(sql.type(storedBytesRow)`
    delete from file_versions where file_id = ${file.id} and version <= ${file.version - upload.keep}
    returning storage_key, size_bytes`);
  return { file, dropped };
}

export function findCloudFile(db: CommonQueryMethods, id: number, ownerId: number) {
  return db.maybeOne(sql.type(cloudFileRow)`select ${COLUMNS} from cloud_files where id = ${id} and owner_id = ${ownerId} and deleted_at is null`);
}

export function listVersions(db: CommonQueryMethods, fileId: number) {
  return db.any(sql.type(versionRow)`
    select version, size_bytes, mime_type, storage_key, created_at from file_versions where file_id = ${fileId} order by version desc`);
}

export async function listCloudFiles(db: CommonQueryMethods, options: { ownerId: number; folderId?: number | null; search?: string; page: number; perPage: number }) {
  const conditions = [sql.fragment`f.owner_id = ${options.ownerId}`, sql.fragment`f.deleted_at is null`];
  if (options.folderId !== undefined) conditions.push(options.folderId === null ? sql.fragment`f.folder_id is null` : sql.fragment`f.folder_id = ${options.folderId}`);
  if (options.search) conditions.push(sql.fragment`f.name ilike ${containing(options.search)}`);
  const where = sql.join(conditions, sql.fragment` and `);
  const [files, total] = await Promise.all([
    db.any(sql.type(sharedFileRow)`select ${QUALIFIED_COLUMNS}, ${SHARE_COLUMNS} from cloud_files f left join ${SHARE_STATE} on true
      where ${where} order by lower(f.name), f.id
      limit ${options.perPage} offset ${(options.page - 1) * options.perPage}`),
    db.oneFirst(sql.type(countRow)`select count(*)::int as count from cloud_files f where ${where}`),
  ]);
  return { files, total };
}

export function cloudStats(db: CommonQueryMethods, ownerId: number) {
  return db.one(sql.type(statsRow)`
    select
      (select count(*)::int from cloud_files where owner_id = ${ownerId} and deleted_at is null) as files,
      (select coalesce(sum(size_bytes), 0)::bigint from cloud_files where owner_id = ${ownerId} and deleted_at is null) as files_bytes,
      (select count(*)::int from folders where owner_id = ${ownerId} and deleted_at is null) as folders,
      (select coalesce(sum(v.size_bytes), 0)::bigint from file_versions v join cloud_files f on f.id = v.file_id
        where f.owner_id = ${ownerId} and f.deleted_at is null and v.version < f.version) as versions_bytes,
      (select coalesce(jsonb_object_agg(kind, n), '{}'::jsonb) from (
        select split_part(mime_type, '/', 1) as kind, count(*)::int as n from cloud_files
        where owner_id = ${ownerId} and deleted_at is null group by 1) k) as by_type`);
}

/**
 * Removes a file with all its versions and share links; returns the versions (bytes to release, blobs
 * to check) and the ids of links that were still open (their workflows to end). The row is locked
 * first, so a version uploaded at the same moment is either counted here or never lands.
 */
export async function deleteCloudFile(transaction: CommonQueryMethods, id: number) {
  await transaction.query(sql.unsafe`select id from cloud_files where id = ${id} for update`);
  const versions = await transaction.any(sql.type(storedBytesRow)`
    delete from file_versions where file_id = ${id} returning storage_key, size_bytes`);
  const openLinks = await transaction.anyFirst(sql.type(idRow)`
    select id from share_links where file_id = ${id} and state = 'active'`);
  await transaction.query(sql.unsafe`delete from cloud_files where id = ${id}`);
  return { versions, openLinks };
}

/** Renames and/or moves one of the owner's files (`folderId` null → the root); null when it is gone (deleted since it was read). */
export function updateCloudFile(db: CommonQueryMethods, id: number, ownerId: number, changes: { name?: string; folderId?: number | null }) {
  return db.maybeOne(sql.type(cloudFileRow)`
    update cloud_files set
      name = coalesce(${changes.name ?? null}, name),
      folder_id = case when ${changes.folderId !== undefined} then ${changes.folderId ?? null}::bigint else folder_id end,
      updated_at = now()
    where id = ${id} and owner_id = ${ownerId} and deleted_at is null
    returning ${COLUMNS}`);
}
