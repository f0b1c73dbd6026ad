// Patient search among 100,000 varied patients (name, phone, email), at a fixed rate and saturated.
// Booking has its own scenario (booking.ts) beside the bound without our code (booking-bare.ts).
import { createHash } from 'node:crypto';
import { sql } from 'slonik';
import { createDatabasePool } from '../../db/pool.js';
import { runLoad } from '../lib/load.js';
import type { ResultRow, Scenario } from '../lib/scenario.js';

const SEARCH_RATE = 500;

export const scenario: Scenario = {
  name: 'dental',
  description: 'patient search among 100,000 patients, by name, phone and email',
  async run(stack, log) {
    const token = await stack.token({ id: 1, role: 'staff' });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const dental = stack.urls.dental;
    const rows: ResultRow[] = [];

    log('dental: seeding 100,000 patients for search');
    const pool = await createDatabasePool(stack.env.DENTAL_DATABASE_URL!);
    // Names, emails and phones as varied as real ones (md5-derived), so trigrams are selective as in a
    // real practice; a shared prefix on every row would make every search match everything.
    await pool.query(sql.unsafe`
      insert into patients (first_name, last_name, email, phone)
      select (array['Anna','Ben','Chloe','David','Emma','Felix','Greta','Hugo'])[1 + n % 8], initcap(substr(md5(n::text), 1, 9)),
             substr(md5(n::text || 'e'), 1, 10) || '@bench.test', '555 ' || lpad(n::text, 7, '0')
      from generate_series(1, 100000) as n`);
    // A practice's table in use has been vacuumed by autovacuum; here it would start during the measurement.
    await pool.query(sql.unsafe`vacuum analyze patients`);
    await pool.end();
    const md5 = (text: string) => createHash('md5').update(text).digest('hex');
    // Latency is judged at a fixed offered rate (well above a practice's front desk), throughput at saturation,
    // where p99 is mostly time spent queueing behind the other connections on two shared cores.
    for (const [name, search] of [['by name', md5('4242').slice(0, 6)], ['by phone', '0031337'], ['by email', `${md5('77777e').slice(0, 10)}@`]] as const) {
      const url = `${dental}/api/dental/patients?search=${encodeURIComponent(search)}&per_page=20`;
      const saturated = await runLoad({ url, headers, connections: 8, durationSeconds: 6, cost: { stack, apis: ['dental'] } });
      const paced = await runLoad({ url, headers, connections: 8, durationSeconds: 6, ratePerSecond: SEARCH_RATE });
      const errors = saturated.errors + saturated.non2xx + paced.errors + paced.non2xx;
      rows.push({
        name: `patient search ${name}, 100,000 patients`,
        figures: { requestsPerSecond: saturated.requestsPerSecond, p50Ms: paced.latencyMs.p50, p99Ms: paced.latencyMs.p99, saturatedP99Ms: saturated.latencyMs.p99, errors, ...saturated.cost },
        target: `p99 < 25 ms at ${SEARCH_RATE} req/s, 0 errors`,
        met: paced.latencyMs.p99 < 25 && paced.requestsPerSecond >= SEARCH_RATE * 0.95 && errors === 0,
      });
    }
    return rows;
  },
};
