// `temporal server start-dev` as a child process: the real Temporal server with SQLite persistence
// (or in memory for tests), the Web UI, and our search attributes registered at start.
import { type ChildProcess, spawn } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { searchAttributeCliPairs } from '../../temporal/search-attributes.js';

export interface TemporalDevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startTemporalDevServer(options: {
  binary?: string;
  port: number;
  /** null: headless (tests). */
  uiPort: number | null;
  /** SQLite file for persistence; omitted: in memory. */
  dbFile?: string;
  onLine?: (line: string) => void;
}): Promise<TemporalDevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'error'];
  if (options.uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort), '--ui-ip', '127.0.0.1');
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  for (const pair of searchAttributeCliPairs()) args.push('--search-attribute', pair);
  // Lower latency for activity-heavy request paths (the SDK's own CI does the same).
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');

  const child = spawn(options.binary ?? 'temporal', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) options.onLine?.(line);
  };
  child.stdout.on('data', forward);
  child.stderr.on('data', forward);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  const address = `127.0.0.1:${options.port}`;
  await waitUntilServing(address, exited);
  return {
    address,
    uiUrl: options.uiPort === null ? null : `http://127.0.0.1:${options.uiPort}`,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitUntilServing(address: string, exited: Promise<number | null>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (gone) throw new Error('the Temporal dev server exited during start-up (is the port taken?)');
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
