// Folder trees. A deleted folder is hidden at once (deleted_at on it and everything below) and removed
// for good by deleteFolderTreeWorkflow in batches.
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';

const crumbRow = z.object({ id: z.number(), name: z.string() });
const insideRow = z.object({ inside: z.boolean() });
const foldersRow = z.object({ folders: z.number() });
const removedBlobRow = z.object({ storage_key: z.string(), size_bytes: z.number(), owner_id: z.number() });

export const folderRow = z.object({
  id: z.number(),
  owner_id: z.number(),
  parent_id: z.number().nullable(),
  name: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Folder = z.infer<typeof folderRow>;
const COLUMNS = sql.fragment`id, owner_id, parent_id, name, created_at, updated_at`;

/** A folder with what is directly inside it (live entries only), as answers show it. */
export const countedFolderRow = folderRow.extend({ file_count: z.number(), subfolder_count: z.number() });
export type CountedFolder = z.infer<typeof countedFolderRow>;
/**
 * The columns of `folders f` with its counts, one statement however many folders: cloud_files_folder
 * serves the files, folders_sibling_name_unique (owner_id, parent_id, …) the subfolders.
 */
const COUNTED_COLUMNS = sql.fragment`f.id, f.owner_id, f.parent_id, f.name, f.created_at, f.updated_at,
  (select count(*)::int from cloud_files c where c.folder_id = f.id and c.deleted_at is null) as file_count,
  (select count(*)::int from folders s where s.owner_id = f.owner_id and s.parent_id = f.id and s.deleted_at is null) as subfolder_count`;

export function insertFolder(db: CommonQueryMethods, folder: { ownerId: number; parentId: number | null; name: string }) {
  return db.one(sql.type(countedFolderRow)`
    insert into folders as f (owner_id, parent_id, name) values (${folder.ownerId}, ${folder.parentId}, ${folder.name})
    returning ${COUNTED_COLUMNS}`);
}

export function findFolder(db: CommonQueryMethods, id: number, ownerId: number) {
  return db.maybeOne(sql.type(folderRow)`
    select ${COLUMNS} from folders where id = ${id} and owner_id = ${ownerId} and deleted_at is null`);
}

/** One of the owner's live folders with its counts. */
export function findCountedFolder(db: CommonQueryMethods, id: number, ownerId: number) {
  return db.maybeOne(sql.type(countedFolderRow)`
    select ${COUNTED_COLUMNS} from folders f where f.id = ${id} and f.owner_id = ${ownerId} and f.deleted_at is null`);
}

/** `parentId`: undefined → all the owner's folders; null → root folders; n → children of n. */
export function listFolders(db: CommonQueryMethods, ownerId: number, parentId: number | null | undefined) {
  const filter =
    parentId === undefined ? sql.fragment`true` : parentId === null ? sql.fragment`f.parent_id is null` : sql.fragment`f.parent_id = ${parentId}`;
  return db.any(sql.type(countedFolderRow)`
    select ${COUNTED_COLUMNS} from folders f where f.owner_id = ${ownerId} and f.deleted_at is null and ${filter} order by lower(f.name), f.id`);
}

/** From the root down to the folder itself. */
export function breadcrumb(db: CommonQueryMethods, id: number) {
  return db.any(sql.type(crumbRow)`
    with recursive up as (
      select id, parent_id, name, 0 as depth from folders where id = ${id}
      union all
      select f.id, f.parent_id, f.name, up.depth + 1 from folders f join up on f.id = up.parent_id
    )
    select id, name from up order by depth desc`);
}

/**
 * Serialises changes to one owner's tree for the rest of the transaction: two concurrent moves (A into
 * B, B into A) would each pass the cycle check on their own.
 */
export async function lockOwnerTree(transaction: CommonQueryMethods, ownerId: number): Promise<void> {
  await transaction.query(sql.unsafe`select pg_advisory_xact_lock(hashtext(${`cloud-tree:${ownerId}`}))`);
}

/** Whether `candidate` is `folder` itself or lies below it (a move there would make a cycle). */
export async function isSelfOrDescendant(db: CommonQueryMethods, folder: number, candidate: number): Promise<boolean> {
  return db.oneFirst(sql.type(insideRow)`
    with recursive down as (
      select id from folders where id = ${folder}
      union all
      select f.id from folders f join down on f.parent_id = down.id
    )
    select exists (select 1 from down where id = ${candidate}) as inside`);
}

/** Renames or moves one of the owner's folders; null when it is gone (deleted since it was read). */
export function updateFolder(db: CommonQueryMethods, id: number, ownerId: number, changes: { name?: string; parentId?: number | null }) {
  return db.maybeOne(sql.type(countedFolderRow)`
    update folders f set
      name = coalesce(${changes.name ?? null}, name),
      parent_id = case when ${changes.parentId !== undefined} then ${changes.parentId ?? null}::bigint else parent_id end,
      updated_at = now()
    where id = ${id} and owner_id = ${ownerId} and deleted_at is null
    returning ${COUNTED_COLUMNS}`);
}

/** Hides a folder, its subfolders and their files at once; returns how many folders it hid. */
export function softDeleteTree(db: CommonQueryMethods, id: number) {
  return db.oneFirst(sql.type(foldersRow)`
    with recursive down as (
      select id from folders where id = ${id} and deleted_at is null
      union all
      select f.id from folders f join down on f.parent_id = down.id where f.deleted_at is null
    ), hidden as (
      update folders set deleted_at = now() where id in (select id from down) returning id
    ), files as (
      update cloud_files set deleted_at = now() where folder_id in (select id from down) and deleted_at is null
    )
    select count(*)::int as folders from hidden`);
}

/**
 * One batch of a tree deletion: up to `limit` files of the hidden tree are removed with their
 * versions; returns their storage keys and bytes. When no file is left, the hidden folders go.
 * Files that landed in the tree after it was hidden (an upload racing the deletion) go too: the
 * folder cascade would otherwise drop them without freeing their bytes.
 */
export async function purgeDeletedBatch(db: CommonQueryMethods, rootId: number, limit: number) {
  const removed = await db.any(sql.type(removedBlobRow)`
    with recursive tree as (
      select id from folders where id = ${rootId} and deleted_at is not null
      union all
      select f.id from folders f join tree on f.parent_id = tree.id
    ), batch as (
      select id from cloud_files where folder_id in (select id from tree) order by id limit ${limit}
    ), versions as (
      delete from file_versions where file_id in (select id from batch) returning storage_key, size_bytes, file_id
    ), files as (
      delete from cloud_files where id in (select id from batch) returning id, owner_id
    )
    select v.storage_key, v.size_bytes, f.owner_id from versions v join files f on f.id = v.file_id`);
  if (removed.length === 0) {
    await db.query(sql.unsafe`delete from folders where id = ${rootId} and deleted_at is not null`);
  }
  return removed;
}
