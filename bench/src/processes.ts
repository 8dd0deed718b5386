// The bench's child processes: pinned to a core (taskset), with a raised fd limit (prlimit), ended by the kernel if
// the bench dies (setpriv), and supervised by the test kit (output kept, stopped by pid).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { supervise, type SupervisedProcess } from '@dish-live/test-support';

const NOFILE = 65_535;

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
export function start(options: StartOptions): SupervisedProcess {
  const wrapped: string[] = [];
  if (hasPdeathsig) wrapped.push('setpriv', '--pdeathsig', 'TERM');
  if (canRaiseNofile) wrapped.push('prlimit', `--nofile=${NOFILE}:${NOFILE}`);
  if (hasTaskset && options.core !== undefined) wrapped.push('taskset', '-c', String(options.core));
  wrapped.push(options.command, ...options.args);
  return supervise({
    name: options.name,
    command: wrapped[0]!,
    args: wrapped.slice(1),
    env: { ...process.env, ...options.env },
    ipc: options.ipc,
    // The peers end when their stdin closes: with this process, whatever way it goes.
    stdinPipe: true,
  });
}

/**
 * Moves a running process, all its threads, to a core: Redis and this process (the publisher) go to the load
 * generator's core, so the server's core is the server's alone.
 */
export function pin(pid: number, core: number): boolean {
  return hasTaskset && spawnSync('taskset', ['-a', '-p', '-c', String(core), String(pid)]).status === 0;
}
