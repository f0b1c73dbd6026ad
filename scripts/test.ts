// `make test`: starts a throwaway PostgreSQL and Temporal dev server (never the dev data), migrates,
// runs every uvu suite in test/ in one child process, and ends with "N passed, M failed".
// Exit code is non-zero on any failure, on a crash, and when no test ran at all.
//   node --import tsx scripts/test.ts [path-filter...]   e.g. scripts/test.ts test/media test/files
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICES } from '../config/index.js';
import { migrate } from '../db/migrate.js';
import { createDatabasePool } from '../db/pool.js';
import { startEmbeddedPostgres } from './lib/postgres.js';
import { freePort } from './lib/ports.js';
import { startTemporalDevServer } from './lib/temporal-dev-server.js';

const SUITE_TIMEOUT_MS = 12 * 60_000;
const filters = process.argv.slice(2);
const scratch = mkdtempSync(join(tmpdir(), 'qhitz-test-'));
// As root, PostgreSQL runs as the `postgres` user, which must be able to reach its data folder.
chmodSync(scratch, 0o755);
const started = Date.now();
const log = (message: string) => process.stdout.write(`[test] ${message}\n`);

const postgres = await startEmbeddedPostgres({ dataDir: join(scratch, 'postgres'), port: await freePort(), persistent: false });
// If Temporal cannot start, PostgreSQL and the scratch folder must not outlive us.
const temporal = await startTemporalDevServer({ uiPort: null }).catch(async (error: unknown) => {
  await postgres.stop();
  rmSync(scratch, { recursive: true, force: true });
  throw error;
});
log(`PostgreSQL on ${postgres.port}, Temporal on ${temporal.address} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

let exitCode = 1;
try {
  for (const service of SERVICES) {
    const pool = await createDatabasePool(postgres.urls[service]);
    await migrate(pool, service);
    await pool.end();
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: 'default',
    STORAGE_ROOT: join(scratch, 'storage'),
    AUTH_SIGNING_KEYS_FILE: join(scratch, 'auth-signing-keys.json'),
    URL_SIGNING_SECRET_FILE: join(scratch, 'url-signing-secret'),
    TEMPORAL_PAYLOAD_KEYS_FILE: join(scratch, 'temporal-payload-keys.json'),
    TEMPORAL_CODEC_UI_SECRET_FILE: join(scratch, 'temporal-codec-ui-secret'),
    QHITZ_TEST_SCRATCH: scratch,
    QHITZ_TEST_FILTER: filters.join(','),
    ...Object.fromEntries(SERVICES.map((service) => [`${service.toUpperCase()}_DATABASE_URL`, postgres.urls[service]])),
  };
  exitCode = await runSuites(env);
} finally {
  await temporal.stop();
  await postgres.stop();
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(exitCode);

/** Runs test/run.ts in a child process, echoing its output, and prints the closing tally. */
async function runSuites(env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/run.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    output += chunk.toString();
  });
  const timer = setTimeout(() => {
    log(`the suites ran longer than ${SUITE_TIMEOUT_MS / 60_000} minutes: stopping them`);
    child.kill('SIGKILL');
  }, SUITE_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);

  // uvu prints "Total: N / Passed: N / Skipped: N" (with colours); it has no "failed" line.
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const count = (label: string) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? 0);
  const total = count('Total');
  const passed = count('Passed');
  const skipped = count('Skipped');
  const failed = Math.max(0, total - passed - skipped) + (code !== 0 && total === passed + skipped ? 1 : 0);
  log(`finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (total === 0) log('no test ran: that is a failure');
  process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  return code === 0 && total > 0 && failed === 0 ? 0 : 1;
}
