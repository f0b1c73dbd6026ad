// A `make dev` that was killed (SIGKILL, a closed terminal) can leave its PostgreSQL or Temporal dev
// server running, holding the ports and the data. The next `make dev` stops those leftovers, and only
// those: processes whose command line names our own data files.
import { readdirSync, readFileSync } from 'node:fs';

/** PIDs of processes whose command line contains every one of `needles`. */
export function findProcesses(needles: string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (needles.every((needle) => commandLine.includes(needle))) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Sends `signal` to each process and waits (up to `timeoutMs`) until they are gone. */
export async function stopProcesses(pids: number[], signal: NodeJS.Signals, timeoutMs = 15_000): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
