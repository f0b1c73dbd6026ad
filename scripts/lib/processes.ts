// Child processes for `make dev` (and the bench harness): each line of output is prefixed with the
// process name, pino JSON is shortened to "time level message {fields}", and stop() sends SIGTERM
// and waits for a clean exit before SIGKILL.
import { type ChildProcess, spawn } from 'node:child_process';

const COLORS = [36, 35, 33, 32, 34, 31];
const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  stop(timeoutMs?: number): Promise<void>;
}

let colorIndex = 0;

export function prefixer(name: string, width = 8): (line: string) => void {
  const color = COLORS[colorIndex++ % COLORS.length];
  const tag = process.stdout.isTTY ? `\x1b[${color}m${name.padEnd(width)}\x1b[0m |` : `${name.padEnd(width)} |`;
  return (line) => process.stdout.write(`${tag} ${formatLogLine(line)}\n`);
}

export function formatLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const { level, time, msg, service: _service, name: _name, pid: _pid, hostname: _host, ...rest } = JSON.parse(line);
    const clock = typeof time === 'string' ? time.slice(11, 19) : '';
    const fields = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
    return `${clock} ${LEVELS[level] ?? level} ${msg ?? ''}${fields}`;
  } catch {
    return line;
  }
}

export function startProcess(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  print: (line: string) => void = prefixer(name),
): ManagedProcess {
  // Its own process group: a Ctrl-C in the terminal reaches only `make dev`, which stops the children
  // in order (APIs and worker drain, then the mail inbox, Temporal and PostgreSQL). In the terminal's group each
  // child also got that SIGINT, and took the orderly SIGTERM after it as a second signal: exit at once.
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let buffered = '';
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) print(line);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name,
    child,
    exited,
    async stop(timeoutMs = 35_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until it answers 200 or the deadline passes. */
export async function waitForHealthy(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return false;
}
