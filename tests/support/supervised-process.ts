// Child processes a test or the bench starts and must not leave behind: their output kept, their exit awaited, each
// stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

/** The repository root, where `--import tsx` and the services' paths resolve. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SuperviseOptions {
  name: string;
  command: string;
  args: readonly string[];
  /** The child's whole environment: nothing of this process's is passed on unless it is in here. */
  env: NodeJS.ProcessEnv;
  /** The repository root unless given. */
  cwd?: string;
  /** An IPC channel (the bench's load generator workers). */
  ipc?: boolean;
  /** stdin a pipe this process holds open, so a child that watches it ends with this process (the bench's peers). */
  stdinPipe?: boolean;
  /** How long stop() waits after SIGTERM before SIGKILL; 5 s unless given. */
  killAfterMs?: number;
}

export interface SupervisedProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  /** stdout and stderr as they came: all of it up to 80 KB, else the first 16 KB and the last 64 KB. */
  output(): string;
  /** The last `lines` lines of output, for failure messages. */
  tail(lines?: number): string;
  alive(): boolean;
  /** True when it exited without being asked (no kill() or stop() before): a crash. */
  crashed(): boolean;
  exited: Promise<Exit>;
  /** Sends a signal if the process still runs (SIGKILL for a crash). */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it has not exited within `killAfterMs`; resolves with how it exited. */
  stop(): Promise<Exit>;
}

// Bounded, so a process that logs for the length of a bench run does not grow this one; what is read from the output
// (the port a service listens on, the inspector's URL) comes first, and what explains a failure comes last.
const HEAD_CHARS = 16 * 1024;
const TAIL_CHARS = 64 * 1024;

/** Every process started here that has not exited yet, so that nothing outlives a failed test or an aborted run. */
const running = new Set<SupervisedProcess>();

export function supervise(options: SuperviseOptions): SupervisedProcess {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env,
    stdio: [options.stdinPipe ? 'pipe' : 'ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  let head = '';
  let tail = '';
  let cut = false;
  const take = (chunk: Buffer) => {
    const text = chunk.toString();
    if (head.length < HEAD_CHARS) {
      const room = HEAD_CHARS - head.length;
      head += text.slice(0, room);
      tail += text.slice(room);
    } else tail += text;
    // Trimmed in steps, not on every chunk.
    if (tail.length > 2 * TAIL_CHARS) {
      tail = tail.slice(-TAIL_CHARS);
      cut = true;
    }
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const killAfterMs = options.killAfterMs ?? 5000;
  let asked = false;
  const output = () => (cut ? `${head}\n[… output cut …]\n${tail}` : head + tail);
  const supervised: SupervisedProcess = {
    name: options.name,
    pid: child.pid ?? -1,
    child,
    output,
    tail: (lines = 5) => output().trimEnd().split('\n').slice(-lines).join('\n'),
    alive,
    crashed: () => !alive() && !asked,
    exited,
    kill(signal) {
      asked = true;
      if (alive()) child.kill(signal);
    },
    async stop() {
      asked = true;
      if (!alive()) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  running.add(supervised);
  void exited.then(() => running.delete(supervised));
  return supervised;
}

/** "dish exited (SIGKILL)", "ws-gateway exited (code 1)". */
export function describeExit(name: string, exit: Exit): string {
  return `${name} exited (${exit.signal ?? `code ${exit.code}`})`;
}

/** Stops whatever still runs, all at once, each as stop() does (on the way out, also after an error). */
export async function stopAllStarted(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

/** For afterAll: SIGKILLs every process started here that still runs, by pid, each awaited. */
export async function killAllStarted(): Promise<void> {
  for (const p of [...running]) {
    p.kill('SIGKILL');
    await p.exited;
  }
}

/**
 * Resolves with what `find` finds in the process's output (`what` names it: "the line saying it listens"); fails at
 * once, with its last lines, if the process exits first.
 */
export function waitForOutput<T>(p: SupervisedProcess, what: string, find: (output: string) => T | undefined, timeoutMs: number): Promise<T> {
  return waitFor(`${p.name}: ${what}`, () => {
    const found = find(p.output());
    if (found === undefined && !p.alive()) throw new Error(`${p.name} exited before ${what}:\n${p.tail(20)}`);
    return found;
  }, timeoutMs, () => p.tail(10));
}

/** Resolves once GET `url` answers 200; fails at once, with its last lines, if the process exits first. */
export function waitForHttp(p: SupervisedProcess, url: string, timeoutMs: number): Promise<true> {
  let last = '';
  return waitFor(`${p.name} to answer 200 at ${url}`, async () => {
    if (!p.alive()) throw new Error(`${p.name} exited before it answered ${url}:\n${p.tail(20)}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      last = `HTTP ${response.status}`;
      return response.status === 200 || undefined;
    } catch (err) {
      last = (err as Error).message;
      return undefined;
    }
  }, timeoutMs, () => `${last}; ${p.tail(10)}`);
}
