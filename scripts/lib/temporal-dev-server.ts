// `temporal server start-dev` as a child process: the real Temporal server with SQLite persistence
// (or in memory for tests), the Web UI, and our search attributes registered at start.
import { type ChildProcess, spawn } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { searchAttributeCliPairs } from '../../temporal/search-attributes.js';
import { freePort } from './ports.js';

export interface TemporalDevServer {
  address: string;
  port: number;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

interface StartOptions {
  binary?: string;
  /** Omitted: a free port of the OS's choosing, with a fresh one on each of three tries. */
  port?: number;
  /** null: headless (tests). */
  uiPort: number | null;
  /** SQLite file for persistence; omitted: in memory. */
  dbFile?: string;
  /** Where the Web UI decodes payloads (our codec endpoint, its secret included); omitted: it shows them encrypted. */
  codecEndpoint?: string;
  onLine?: (line: string) => void;
}

const ATTEMPTS_ON_A_FREE_PORT = 3;

/** Settings of the server's dynamic config, each `key=value` (names as in Server 1.32's dynamicconfig). */
export const DYNAMIC_CONFIG = [
  // Lower latency for activity-heavy request paths (the SDK's own CI does the same).
  'system.enableActivityEagerExecution=true',
  // The history service reads its transfer queue (where a new workflow task waits to go to matching) at
  // most 20 times a second per shard, and the dev server has one shard: at low load every booking waited
  // up to 50 ms for the next read. Unthrottled, one client's bare Update-with-Start went from 20-21 to
  // 28-32 per second (p50 34-49 → 28-35 ms; bench booking-bare, shared 2 cores, issue 19). Under load
  // each read takes a batch, so the limit only ever cost latency. (The timer and visibility queues'
  // limits, and one task-queue partition instead of four, measured no better: left at their defaults.)
  'history.transferProcessorMaxPollRPS=10000',
];

/**
 * With a database file (make dev): SQLite's write-ahead log and no fsync per commit took the server's
 * CPU per booking from 16.6 to 12.7 ms and throughput up ~15% (issue 19). A crash of the machine can
 * lose the last commits; a dev server's data is worth that.
 */
export const SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

export async function startTemporalDevServer(options: StartOptions): Promise<TemporalDevServer> {
  if (options.port !== undefined) return startOnPort(options, options.port);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnPort(options, await freePort());
    } catch (error) {
      // Another port helps when one was taken meanwhile, not when the binary is missing.
      if (attempt === ATTEMPTS_ON_A_FREE_PORT || (error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
      options.onLine?.(`start-up failed, trying another port: ${(error as Error).message}`);
    }
  }
}

async function startOnPort(options: StartOptions, port: number): Promise<TemporalDevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'];
  if (options.uiPort === null) args.push('--headless');
  // The UI's newsfeed would be fetched from the internet, which machines here (and clinics' networks) may not reach.
  else args.push('--ui-port', String(options.uiPort), '--ui-ip', '127.0.0.1', '--ui-disable-news-fetch');
  if (options.uiPort !== null && options.codecEndpoint) args.push('--ui-codec-endpoint', options.codecEndpoint);
  if (options.dbFile) args.push('--db-filename', options.dbFile, ...SQLITE_PRAGMAS.flatMap((pragma) => ['--sqlite-pragma', pragma]));
  for (const pair of searchAttributeCliPairs()) args.push('--search-attribute', pair);
  for (const setting of DYNAMIC_CONFIG) args.push('--dynamic-config-value', setting);

  // Its own process group, like the services (see startProcess): it stops when we stop it, after them.
  const child = spawn(options.binary ?? 'temporal', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  // The last lines it printed: when it dies while starting, they say why.
  const recent: string[] = [];
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      recent.push(line);
      if (recent.length > 20) recent.shift();
      options.onLine?.(line);
    }
  };
  child.stdout.on('data', forward);
  child.stderr.on('data', forward);
  let spawnError: NodeJS.ErrnoException | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', resolve);
    child.once('error', (error) => {
      spawnError = error;
      recent.push(String(error));
      resolve(null);
    });
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, exited);
  } catch (error) {
    await stop();
    if (spawnError?.code === 'ENOENT') {
      throw Object.assign(new Error(`the Temporal CLI (${options.binary ?? 'temporal'}) was not found; scripts/bootstrap.sh installs it into .tools/bin`), { code: 'ENOENT' });
    }
    const output = recent.length ? `; it printed:\n${recent.join('\n')}` : '';
    throw new Error(`${(error as Error).message}${output}`);
  }
  return {
    address,
    port,
    uiUrl: options.uiPort === null ? null : `http://127.0.0.1:${options.uiPort}`,
    process: child,
    stop,
  };
}

async function waitUntilServing(address: string, exited: Promise<number | null>): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`the Temporal dev server on ${address} exited during start-up (code ${exitCode})`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.withDeadline(Date.now() + 2000, () =>
          connection.workflowService.describeNamespace({ namespace: 'default' }),
        );
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`the Temporal dev server did not answer on ${address} within 60 s`);
}
