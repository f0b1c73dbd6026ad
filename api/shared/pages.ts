// One page of a list, the same shape on every service: the Flask system's key for the items
// (`{files, total}`, `{patients, total}`, …) and where the page sits among all of them.
import { z } from 'zod';

interface PageQuery {
  page: number;
  per_page: number;
}

const pagePosition = {
  total: z.number().int().describe('Items on all pages'),
  page: z.number().int(),
  per_page: z.number().int(),
  pages: z.number().int().describe('Pages at this per_page (0 when there is nothing)'),
};

type Page<K extends string, T> = { [key in K]: readonly T[] } & { total: number; page: number; per_page: number; pages: number };

/** The response schema of a page whose items are under `key`. */
export function pageSchema<K extends string, T extends z.ZodType>(key: K, item: T) {
  return z.object({ [key]: z.array(item), ...pagePosition } as { [key in K]: z.ZodArray<T> } & typeof pagePosition);
}

/** The answer: `items` under `key`, with the page's position from the query that asked for it. */
export function pageOf<K extends string, T>(key: K, items: readonly T[], total: number, query: PageQuery): Page<K, T> {
  return { [key]: items, total, page: query.page, per_page: query.per_page, pages: Math.ceil(total / query.per_page) } as Page<K, T>;
}
