// Child processes of a run: started pinned to a core (taskset) with a raised fd limit (prlimit), stopped by pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Children run from the repository root, where `--import tsx` and the services' paths resolve. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Managed {
  name: string;
  pid: number;
  child: ChildProcess;
  /** The last lines the process wrote to stderr, for error messages. */
  stderrTail(): string;
  /** The first 4 KB the process wrote to stderr (where node prints its inspector URL). */
  stderrHead(): string;
  /** Resolves with a description when the process exits on its own. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

const NOFILE = 65_535;
const running = new Set<Managed>();

/** Whether prlimit can raise the fd limit here (root, or a hard limit already that high). */
const canRaiseNofile = (() => {
  const probe = spawnSync('prlimit', [`--nofile=${NOFILE}:${NOFILE}`, 'true']);
  return probe.status === 0;
})();

const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** The kernel ends a child whose parent died (even by SIGKILL): no gateway or Redis outlives the bench. */
const hasPdeathsig = spawnSync('setpriv', ['--pdeathsig', 'TERM', 'true']).status === 0;

/** The fd limit children get: raised by prlimit where allowed, else this process's own (Node lifts soft to hard). */
export function limits(): { nofile: number; taskset: boolean } {
  const own = /Max open files\s+\S+\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
  return { nofile: canRaiseNofile ? NOFILE : Number(own ?? 0), taskset: hasTaskset };
}

export interface StartOptions {
  name: string;
  /** The core to pin to; undefined leaves the process unpinned. */
  core?: number;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Use an IPC channel (load generator workers). */
  ipc?: boolean;
}

/** Every wrapper execs its command, so the pid is the pid of node itself (what /proc sampling needs). */
export function start(options: StartOptions): Managed {
  const wrapped: string[] = [];
  if (hasPdeathsig) wrapped.push('setpriv', '--pdeathsig', 'TERM');
  if (canRaiseNofile) wrapped.push('prlimit', `--nofile=${NOFILE}:${NOFILE}`);
  if (hasTaskset && options.core !== undefined) wrapped.push('taskset', '-c', String(options.core));
  wrapped.push(options.command, ...options.args);
  const child = spawn(wrapped[0]!, wrapped.slice(1), {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  let stderr = '';
  let head = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (head.length < 4000) head = (head + chunk.toString()).slice(0, 4000);
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(managed);
      resolve(`${options.name} exited (${signal ?? `code ${code}`})`);
    }),
  );
  const managed: Managed = {
    name: options.name,
    pid: child.pid ?? -1,
    child,
    stderrTail: () => stderr.trim().split('\n').slice(-5).join('\n'),
    stderrHead: () => head,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(managed);
  return managed;
}

/**
 * Moves a running process, all its threads, to a core: Redis and this process (the publisher) go to the load
 * generator's core, so the server's core is the server's alone.
 */
export function pin(pid: number, core: number): boolean {
  return hasTaskset && spawnSync('taskset', ['-a', '-p', '-c', String(core), String(pid)]).status === 0;
}

/** Stops whatever is still running (on the way out, also after an error). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((m) => m.stop()));
}

/** Waits until the process prints a line containing `marker` on stdout. */
export function waitForLine(m: Managed, marker: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${m.name}: no "${marker}" within ${timeoutMs} ms\n${m.stderrTail()}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-4000);
      if (seen.includes(marker)) {
        clearTimeout(timer);
        m.child.stdout?.off('data', onData);
        resolve();
      }
    };
    m.child.stdout?.on('data', onData);
    void m.exited.then((why) => {
      clearTimeout(timer);
      reject(new Error(`${why}\n${m.stderrTail()}`));
    });
  });
}

/** Waits until GET http://127.0.0.1:<port><path> answers 200. */
export async function waitForHttp(m: Managed, port: number, path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let dead: string | undefined;
  void m.exited.then((why) => (dead = why));
  let last = '';
  while (Date.now() < deadline) {
    if (dead) throw new Error(`${dead}\n${m.stderrTail()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${m.name}: ${path} not ready within ${timeoutMs} ms (${last})\n${m.stderrTail()}`);
}
