// What the gateway fault tests share: resident memory of a process (and a full GC through the inspector), bounded
// waits on many promises, opening thousands of raw connections in waves, and probes that count 5xx answers.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

/** Resident set size of a process, in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb[1]) * 1024;
}

/** Rejects naming `what` if `promise` has not settled within `ms`. */
export async function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens `n` connections with `open(i)`, `wave` at a time, each wave awaited (`ready(client)`) before the next, so the
 * listen backlog is never flooded by the test itself. Resolves with every client.
 */
export async function openInWaves<C>(n: number, wave: number, open: (i: number) => C, ready: (c: C) => Promise<unknown>): Promise<C[]> {
  const all: C[] = [];
  for (let start = 0; start < n; start += wave) {
    const batch: C[] = [];
    for (let i = start; i < Math.min(n, start + wave); i++) batch.push(open(i));
    await Promise.all(batch.map(ready));
    all.push(...batch);
  }
  return all;
}

/** Status of GET `path` on a gateway; a 5xx other than `allowed` is counted in `fiveXx`. */
export async function probe(port: number, path: string, counter?: { fiveXx: number }, allowed: number[] = []): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  await res.arrayBuffer();
  if (counter && res.status >= 500 && !allowed.includes(res.status)) counter.fiveXx++;
  return res.status;
}

/** Lets the gateway settle: resident memory sampled until two samples `stepMs` apart differ by under 1 %. */
export async function settledRss(pid: number, stepMs = 500, maxMs = 10_000): Promise<number> {
  let last = rssBytes(pid);
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, stepMs));
    const now = rssBytes(pid);
    if (Math.abs(now - last) < last * 0.01) return now;
    last = now;
  }
  return last;
}

/**
 * Runs a full garbage collection in a gateway started with NODE_OPTIONS=--inspect=127.0.0.1:0, through its inspector
 * (HeapProfiler.collectGarbage): memory is then compared after a GC on both sides, not at the whim of the collector's
 * timing. Test-only: the gateway itself has no hook for this.
 */
export async function collectGarbage(output: string): Promise<void> {
  const target = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
  if (!target) throw new Error('the gateway was not started with --inspect (NODE_OPTIONS=--inspect=127.0.0.1:0)');
  const socket = new WebSocket(target);
  await within('the inspector', 5000, new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  }));
  try {
    for (let id = 1; id <= 2; id++) {
      const answered = new Promise<void>((resolve) => {
        const onMessage = (data: Buffer) => {
          if ((JSON.parse(data.toString()) as { id?: number }).id !== id) return;
          socket.off('message', onMessage);
          resolve();
        };
        socket.on('message', onMessage);
      });
      socket.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }));
      await within('a full GC', 30_000, answered);
    }
  } finally {
    socket.close();
  }
}
