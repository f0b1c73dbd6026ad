// Row schemas shared by many queries. A schema is built once at module load: zod compiles a schema on
// its first use, so one written inline in a query function costs ~35 µs on every call.
import { z } from 'zod';

export const countRow = z.object({ count: z.number() });
export const idRow = z.object({ id: z.number() });
export const uuidRow = z.object({ id: z.string() });
export const usedRow = z.object({ used: z.boolean() });
export const storedBytesRow = z.object({ storage_key: z.string(), size_bytes: z.number() });

/**
 * One page of a query whose rows each carry the count of all matches as `total` (a window count, or a
 * count subquery): one round trip for both. A page past the end has no row to carry it, so `count`
 * asks separately, and only then.
 */
export async function pageWithTotal<Row extends { total: number }>(rows: readonly Row[], page: number, count: () => Promise<number>) {
  const total = rows[0]?.total ?? (page > 1 ? await count() : 0);
  return { rows: rows.map(({ total: _, ...row }) => row), total };
}
