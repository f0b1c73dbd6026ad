// What the stack's processes spend, read from Linux's /proc: CPU time of a process and everything it
// started (PostgreSQL's backends are children of the postmaster), and resident memory. Read before and
// after a load, the difference divided by the operations it served is a figure that stays put when the
// machine is shared: CPU ms per operation, where throughput and latency move with the neighbours' load.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second, the unit of /proc/<pid>/stat's times (100 on nearly every Linux). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  ppid: number;
  /** utime + stime: the process's own CPU ticks, all threads. */
  own: number;
  /** cutime + cstime: ticks of its children that have exited and been waited for. */
  reaped: number;
}

function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // exited meanwhile
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ').map(Number);
  // fields[0] is field 3 (state); ppid is field 4, utime..cstime are fields 14-17.
  return { ppid: fields[1]!, own: fields[11]! + fields[12]!, reaped: fields[13]! + fields[14]! };
}

/**
 * CPU milliseconds spent so far by each root process and all its descendants (running or exited), in
 * one pass over /proc so that every root is read at the same moment.
 */
export function cpuMsOfTrees(roots: Record<string, number>): Record<string, number> {
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) stats.set(Number(entry), stat);
  }
  const children = new Map<number, number[]>();
  for (const [pid, stat] of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  const treeTicks = (pid: number): number => {
    const stat = stats.get(pid);
    if (!stat) return 0;
    return stat.own + stat.reaped + (children.get(pid) ?? []).reduce((sum, child) => sum + treeTicks(child), 0);
  };
  return Object.fromEntries(Object.entries(roots).map(([name, pid]) => [name, (treeTicks(pid) * 1000) / TICKS_PER_SECOND]));
}

/** Resident memory of one process, in MiB (0 when it is gone). */
export function rssMiB(pid: number | undefined): number {
  let status = '';
  try {
    if (pid) status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    // exited
  }
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}
