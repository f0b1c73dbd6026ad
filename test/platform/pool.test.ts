import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sql } from 'slonik';
import { z } from 'zod';
import { toIsoString } from '../../db/pool.js';
import { getStack } from '../support/stack.js';

const pool = suite('database pool');

const instants = ['2026-11-25 08:44:39.460123', '2026-11-25 08:44:39.999999', '2026-11-25 08:44:39', '2026-02-28 23:59:59.5', '1999-12-31 23:59:59.0005', '0999-01-01 00:00:00'];

pool('timestamps come back as the ISO 8601 text Date#toISOString writes for the same instant', async () => {
  const { pools } = await getStack();
  const row = z.object({ at: z.string(), ms: z.number() });
  for (const instant of instants) {
    const { at, ms } = await pools.media.one(sql.type(row)`
      select ${instant}::timestamp at time zone 'UTC' as at,
             floor(extract(epoch from ${instant}::timestamp at time zone 'UTC') * 1000)::float8 as ms`);
    assert.is(at, new Date(ms).toISOString(), instant);
  }
});

pool('timestamps in another offset or infinite are still read right', () => {
  for (const text of ['2026-11-25 09:44:39.46+01', '2026-11-25 03:14:39.46-05:30', '2026-11-25 08:44:39.460123+00']) {
    assert.is(toIsoString(text), new Date(text).toISOString(), text);
  }
  assert.is(toIsoString('infinity'), 'infinity');
  assert.is(toIsoString('-infinity'), '-infinity');
});

pool.run();
