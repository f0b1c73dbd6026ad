// The dev server that make dev, the tests and the bench start runs with the settings chosen for it
// (scripts/lib/temporal-dev-server.ts, issue 19): its dynamic config values and, with a database file,
// SQLite in write-ahead-log mode. A CLI upgrade that dropped or renamed a flag fails here.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DYNAMIC_CONFIG, SQLITE_PRAGMAS, startTemporalDevServer } from '../../scripts/lib/temporal-dev-server.js';

const devServer = suite('the Temporal dev server runs with our settings');

devServer('its dynamic config values and SQLite pragmas reach the running server', async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'qhitz-dev-server-'));
  chmodSync(scratch, 0o755);
  const dbFile = join(scratch, 'temporal.sqlite');
  const temporal = await startTemporalDevServer({ uiPort: null, dbFile });
  try {
    const argv = readFileSync(`/proc/${temporal.process.pid}/cmdline`, 'utf8').split('\0');
    const valuesOf = (flag: string) => argv.flatMap((arg, index) => (arg === flag ? [argv[index + 1]] : []));
    assert.equal(valuesOf('--dynamic-config-value'), DYNAMIC_CONFIG);
    assert.equal(valuesOf('--sqlite-pragma'), SQLITE_PRAGMAS);
    // The server took the pragma: SQLite keeps its write-ahead log beside the database.
    assert.ok(existsSync(`${dbFile}-wal`), 'the database is in WAL mode');
  } finally {
    await temporal.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
});

devServer.run();
