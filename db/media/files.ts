// Queries on media files. Visibility is one rule everywhere: yours, or public.
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { countRow, pageWithTotal, usedRow } from '../rows.js';

const removedFileRow = z.object({ storage_key: z.string(), thumbnail_key: z.string().nullable() });
const statsRow = z.object({ file_type: z.string(), files: z.number(), bytes: z.number() });

export const MEDIA_KINDS = ['image', 'video', 'audio', 'document'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export const mediaRow = z.object({
  id: z.number(),
  owner_id: z.number(),
  original_name: z.string(),
  storage_key: z.string(),
  file_type: z.enum(MEDIA_KINDS),
  mime_type: z.string(),
  size_bytes: z.number(),
  description: z.string(),
  tags: z.array(z.string()),
  is_public: z.boolean(),
  status: z.enum(['processing', 'indexed', 'failed']),
  checksum: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  thumbnail_key: z.string().nullable(),
  indexed_at: z.string().nullable(),
  failure_reason: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type MediaFile = z.infer<typeof mediaRow>;

const pageRow = mediaRow.extend({ total: z.number() });

const COLUMNS = sql.join(mediaRow.keyof().options.map((name) => sql.identifier([name])), sql.fragment`, `);

export function insertMediaFile(
  db: CommonQueryMethods,
  file: { ownerId: number; name: string; storageKey: string; kind: MediaKind; mimeType: string; size: number; description: string; tags: string[]; isPublic: boolean },
) {
  return db.one(sql.type(mediaRow)`
    insert into media_files (owner_id, original_name, storage_key, file_type, mime_type, size_bytes, description, tags, is_public)
    values (${file.ownerId}, ${file.name}, ${file.storageKey}, ${file.kind}, ${file.mimeType}, ${file.size}, ${file.description},
            ${sql.array(file.tags, 'text')}, ${file.isPublic})
    returning ${COLUMNS}`);
}

/** The row if the viewer may see it (owner or public); admins see all. */
export function findVisibleMediaFile(db: CommonQueryMethods, id: number, viewer: { id: number; isAdmin: boolean }) {
  return db.maybeOne(sql.type(mediaRow)`
    select ${COLUMNS} from media_files
    where id = ${id} and (owner_id = ${viewer.id} or is_public or ${viewer.isAdmin})`);
}

export function findMediaFile(db: CommonQueryMethods, id: number) {
  return db.maybeOne(sql.type(mediaRow)`select ${COLUMNS} from media_files where id = ${id}`);
}

export async function listVisibleMediaFiles(
  db: CommonQueryMethods,
  options: { viewerId: number; kind?: MediaKind; query?: string; tags?: string[]; sort: 'newest' | 'oldest' | 'name' | 'size'; page: number; perPage: number },
) {
  // media_file_counts has the same owner_id, is_public and file_type columns, so these filters apply to both.
  const visibleOfKind = [sql.fragment`(owner_id = ${options.viewerId} or is_public)`];
  if (options.kind) visibleOfKind.push(sql.fragment`file_type = ${options.kind}`);
  const conditions = [...visibleOfKind];
  if (options.query) conditions.push(sql.fragment`search @@ websearch_to_tsquery('simple', ${options.query})`);
  if (options.tags?.length) conditions.push(sql.fragment`tags @> ${sql.array(options.tags, 'text')}`);
  const where = sql.join(conditions, sql.fragment` and `);
  // A text or tag search counts its matches; plain browsing sums the per-owner counts (004_browse_counts.sql).
  const count = conditions.length > visibleOfKind.length
    ? sql.fragment`select count(*)::int from media_files where ${where}`
    : sql.fragment`select coalesce(sum(files), 0)::int from media_file_counts where ${sql.join(visibleOfKind, sql.fragment` and `)}`;
  const order = {
    newest: sql.fragment`created_at desc, id desc`,
    oldest: sql.fragment`created_at, id`,
    name: sql.fragment`lower(original_name), id`,
    size: sql.fragment`size_bytes desc, id desc`,
  }[options.sort];
  // One round trip: the page's ids are found first (so the sort carries narrow rows, not every row's
  // metadata) and each row carries the total, counted once in the same snapshot.
  const rows = await db.any(sql.type(pageRow)`
    with page as (select id from media_files where ${where} order by ${order} limit ${options.perPage} offset ${(options.page - 1) * options.perPage})
    select (${count}) as total, ${COLUMNS} from media_files where id in (select id from page) order by ${order}`);
  const { rows: files, total } = await pageWithTotal(rows, options.page, () => db.oneFirst(sql.type(countRow)`select (${count}) as count`));
  return { files, total };
}

export function updateMediaFile(db: CommonQueryMethods, id: number, ownerId: number, changes: { description?: string; tags?: string[]; isPublic?: boolean }) {
  return db.maybeOne(sql.type(mediaRow)`
    update media_files set
      description = coalesce(${changes.description ?? null}, description),
      tags = coalesce(${changes.tags ? sql.array(changes.tags, 'text') : null}::text[], tags),
      is_public = coalesce(${changes.isPublic ?? null}::boolean, is_public),
      updated_at = now()
    where id = ${id} and owner_id = ${ownerId}
    returning ${COLUMNS}`);
}

export function deleteMediaFile(db: CommonQueryMethods, id: number) {
  return db.maybeOne(sql.type(removedFileRow)`
    delete from media_files where id = ${id} returning storage_key, thumbnail_key`);
}

export async function recordIndexResult(
  db: CommonQueryMethods,
  id: number,
  result: { checksum: string; metadata: Record<string, unknown>; thumbnailKey: string | null },
): Promise<void> {
  await db.query(sql.unsafe`
    update media_files set
      checksum = ${result.checksum},
      metadata = ${sql.jsonb(JSON.parse(JSON.stringify(result.metadata)))},
      thumbnail_key = ${result.thumbnailKey},
      status = 'indexed', indexed_at = now(), failure_reason = null, updated_at = now()
    where id = ${id}`);
}

export async function recordIndexFailure(db: CommonQueryMethods, id: number, reason: string): Promise<void> {
  await db.query(sql.unsafe`
    update media_files set status = 'failed', failure_reason = ${reason.slice(0, 1000)}, updated_at = now() where id = ${id}`);
}

export function mediaStats(db: CommonQueryMethods, ownerId: number | null) {
  return db.any(sql.type(statsRow)`
    select file_type, count(*)::int as files, coalesce(sum(size_bytes), 0)::bigint as bytes from media_files
    ${ownerId === null ? sql.fragment`` : sql.fragment`where owner_id = ${ownerId}`}
    group by file_type order by file_type`);
}
