// Write syscalls of one process over a measurement, counted by perf's syscall tracepoints: uWebSockets.js writes with
// send(2), which /proc/<pid>/io's syscw does not count, so only the tracepoints compare it with node:http's writev(2).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** Every way a server here hands bytes to a socket. */
export const WRITE_SYSCALLS = ['write', 'writev', 'sendto', 'sendmsg'] as const;
const EVENTS = WRITE_SYSCALLS.map((s) => `syscalls:sys_enter_${s}`).join(',');

/** perf with the tracepoints readable (root, or perf_event_paranoid and tracefs allowing it). */
export const canCountSyscalls = spawnSync('perf', ['stat', '-x,', '-e', EVENTS, 'true'], { stdio: 'ignore' }).status === 0;

/**
 * The sum of the counts in `perf stat -x,` output. A tracepoint that never fired while the process ran shows as
 * `<not counted>` (zero); one perf could not open (`<not supported>`) or no count at all makes the whole unknown.
 */
export function parsePerfCounts(csv: string): number | null {
  let total = 0;
  let seen = 0;
  for (const line of csv.split('\n')) {
    const [count, , event] = line.split(',');
    if (!event?.startsWith('syscalls:sys_enter_')) continue;
    seen++;
    if (count === '<not counted>') continue;
    const n = Number(count);
    if (!Number.isFinite(n)) return null;
    total += n;
  }
  return seen === WRITE_SYSCALLS.length ? total : null;
}

export class SyscallCounter {
  private constructor(private readonly child: ChildProcess, private readonly output: Promise<string>) {}

  /** Starts counting `pid`'s write syscalls; undefined where perf cannot. */
  static start(pid: number): SyscallCounter | undefined {
    if (!canCountSyscalls) return undefined;
    const child = spawn('perf', ['stat', '-x,', '-e', EVENTS, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
    const output = new Promise<string>((resolve) => {
      let text = '';
      child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.on('close', () => resolve(text));
      child.on('error', () => resolve(''));
    });
    return new SyscallCounter(child, output);
  }

  /** Stops counting (perf prints its counts on SIGINT); null when perf printed none. */
  async stop(): Promise<number | null> {
    this.child.kill('SIGINT');
    return parsePerfCounts(await this.output);
  }
}
