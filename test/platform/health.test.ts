// Health follows its dependencies: a real PostgreSQL and a real Temporal server of this test's own
// are stopped and started again, and the media API's health turns red and green with them.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createMediaApp } from '../../api/media/app.js';
import { serviceHealth } from '../../api/shared/runtime.js';
import { createDatabasePool } from '../../db/pool.js';
import { startEmbeddedPostgres } from '../../scripts/lib/postgres.js';
import { freePort } from '../../scripts/lib/ports.js';
import { startTemporalDevServer } from '../../scripts/lib/temporal-dev-server.js';
import { createTemporalClient } from '../../temporal/connection.js';
import { call } from '../support/http.js';
import { getStack } from '../support/stack.js';

const health = suite('health follows PostgreSQL and Temporal');

async function healthWithin(app: Parameters<typeof call>[0], expected: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = await call(app, 'GET', '/api/health');
  while (last.status !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    last = await call(app, 'GET', '/api/health');
  }
  return last;
}

health('goes 503 within seconds when a dependency stops and back to 200 when it returns', async () => {
  const stack = await getStack();
  const dataDir = mkdtempSync(join(tmpdir(), 'qhitz-health-'));
  chmodSync(dataDir, 0o755);
  const pgPort = await freePort();
  let postgres = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pg'), port: pgPort, persistent: true });
  let temporal = await startTemporalDevServer({ uiPort: null });
  const pool = await createDatabasePool(postgres.urls.media, { connectionTimeoutMs: 1000 });
  const temporalClient = createTemporalClient({ ...stack.config, TEMPORAL_ADDRESS: temporal.address });
  const app = createMediaApp({
    ...stack.depsFor('media'),
    pool,
    temporal: temporalClient,
    health: serviceHealth(pool, temporalClient),
    guard: stack.guard,
  });
  try {
    assert.is((await healthWithin(app, 200, 5000)).status, 200);

    await postgres.stop();
    const databaseDown = await healthWithin(app, 503, 5000);
    assert.is(databaseDown.status, 503);
    assert.equal(
      [databaseDown.body.status, databaseDown.body.database, databaseDown.body.temporal],
      ['unhealthy', 'disconnected', 'connected'],
    );
    assert.type(databaseDown.body.errors.database, 'string');
    assert.not.match(JSON.stringify(databaseDown.body), new RegExp(`${pgPort}|ECONNREFUSED|password`), 'no host, port or driver message in the public answer');

    postgres = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pg'), port: pgPort, persistent: true });
    assert.is((await healthWithin(app, 200, 10_000)).status, 200, 'recovers without a restart');

    await temporal.stop();
    const temporalDown = await healthWithin(app, 503, 5000);
    assert.equal([temporalDown.status, temporalDown.body.database, temporalDown.body.temporal], [503, 'connected', 'disconnected']);

    temporal = await startTemporalDevServer({ port: temporal.port, uiPort: null });
    assert.is((await healthWithin(app, 200, 15_000)).status, 200, 'recovers when Temporal returns');
  } finally {
    await temporalClient.connection.close().catch(() => {});
    await pool.end();
    await temporal.stop();
    await postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

health.run();
