// Browsing a 10,000-file media library. Target (media issue): `GET /api/media/files` at ≥ 1,500 req/s
// with p99 < 25 ms. Measured on the first page (what a client gets without asking) and on random pages
// (a deep offset costs more than the first page), at the default page size; full-text searches the same way.
import { sql } from 'slonik';
import { createDatabasePool } from '../../db/pool.js';
import { runLoad } from '../lib/load.js';
import type { ResultRow, Scenario } from '../lib/scenario.js';

const LIBRARY = 10_000;
const PER_PAGE = 20;
const CONNECTIONS = 8;

export const scenario: Scenario = {
  name: 'media-browse',
  description: `browsing and searching a ${LIBRARY.toLocaleString('en')}-file media library, ${PER_PAGE} files a page`,
  async run(stack, log) {
    const media = stack.urls.media;
    const rows: ResultRow[] = [];
    log(`media-browse: seeding a ${LIBRARY.toLocaleString('en')}-file library`);
    const pool = await createDatabasePool(stack.env.MEDIA_DATABASE_URL!);
    try {
      // One in a hundred is a "sunset"; every one is a "beach" (the widest search). The search document
      // is made by the table's trigger (005_search_document_trigger.sql).
      await pool.query(sql.unsafe`
        insert into media_files (owner_id, original_name, storage_key, file_type, mime_type, size_bytes, description, tags, status, checksum, indexed_at, created_at)
        select 2, 'holiday-' || n || '.jpg', repeat('a', 64), 'image', 'image/jpeg', 100000 + n, 'beach day ' || n || case when n % 100 = 0 then ' sunset' else '' end,
               array['summer', 'y' || (n % 10)], 'indexed', repeat('a', 64), now(),
               now() - n * interval '1 minute'
        from generate_series(1, ${LIBRARY}) as n`);
      // A library in use has been vacuumed by autovacuum (it runs after every 20% of new rows).
      await pool.query(sql.unsafe`vacuum analyze media_files`);
    } finally {
      await pool.end();
    }
    const owner = await stack.token({ id: 2 });
    const pages = LIBRARY / PER_PAGE;
    const randomPage = () => 1 + Math.floor(Math.random() * pages);
    for (const { name, path, expected } of [
      { name: `media list, first page (${LIBRARY.toLocaleString('en')} files)`, path: () => '/api/media/files', expected: LIBRARY },
      { name: `media list, random page of ${pages} (${LIBRARY.toLocaleString('en')} files)`, path: () => `/api/media/files?page=${randomPage()}`, expected: LIBRARY },
      { name: `media search q=sunset (100 of ${LIBRARY.toLocaleString('en')})`, path: () => `/api/media/files?q=sunset`, expected: LIBRARY / 100 },
      { name: `media search q=beach, random page (all ${LIBRARY.toLocaleString('en')} match)`, path: () => `/api/media/files?q=beach&page=${randomPage()}`, expected: LIBRARY },
    ]) {
      // The search must find what was seeded, or the load below would time an empty answer.
      const probe = (await (await fetch(`${media}${path()}`, { headers: { authorization: `Bearer ${owner}` } })).json()) as { total: number; files: unknown[] };
      if (probe.total !== expected || probe.files.length !== PER_PAGE) throw new Error(`${name}: found ${probe.total} (${probe.files.length} on the page), expected ${expected}`);
      log(`media-browse: ${name}`);
      const result = await runLoad({ url: `${media}/api/media/files`, nextPath: path, headers: { authorization: `Bearer ${owner}` }, connections: CONNECTIONS, durationSeconds: 10, cost: { stack, apis: ['media'] } });
      const errors = result.errors + result.non2xx;
      rows.push({
        name,
        figures: { requestsPerSecond: result.requestsPerSecond, p50Ms: result.latencyMs.p50, p99Ms: result.latencyMs.p99, errors, ...result.cost },
        target: `≥ 1,500 req/s, p99 < 25 ms at ${CONNECTIONS} connections, 0 errors`,
        met: result.requestsPerSecond >= 1500 && result.latencyMs.p99 < 25 && errors === 0,
      });
    }
    return rows;
  },
};
