// The launcher's dead-man switch. scripts/start.ts runs it with a pipe on stdin and writes `+<pid>` for every process
// it starts and `-<pid>` for every one that exits. When the pipe closes, the launcher is gone — even by SIGKILL, which
// it cannot handle — and this stops whatever it left running: SIGTERM, then SIGKILL after a grace period.
import { createInterface } from 'node:readline';
import { isRunning } from './process-alive.js';

/** Longer than the gateways' default SHUTDOWN_GRACE_MS (5 s), so a graceful stop is not cut short. */
const GRACE_MS = 8000;

const guarded = new Set<number>();

// Ctrl-C and a closed terminal signal the whole process group: this process must outlive the launcher to do its job.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => {});

function send(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Exited in between.
  }
}

async function stopLeftovers(): Promise<void> {
  const left = [...guarded].filter(isRunning);
  for (const pid of left) send(pid, 'SIGTERM');
  const deadline = Date.now() + GRACE_MS;
  while (left.some(isRunning) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of left.filter(isRunning)) send(pid, 'SIGKILL');
  if (left.length > 0) console.error(`[start] the launcher is gone; its watchdog stopped what it left running (pids ${left.join(', ')})`);
  process.exit(0);
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const pid = Number(line.slice(1));
  if (!Number.isInteger(pid) || pid <= 0) return;
  if (line.startsWith('+')) guarded.add(pid);
  else if (line.startsWith('-')) guarded.delete(pid);
});
lines.on('close', () => void stopLeftovers());
