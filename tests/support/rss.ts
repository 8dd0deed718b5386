// Resident memory of a process, read from Linux /proc: once, or once it has settled.
import { readFileSync } from 'node:fs';

/** Resident set size in bytes, or NaN when the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Resident memory once two samples `stepMs` apart differ by under 1 % (or the last sample after `maxMs`). */
export async function settledRss(pid: number, stepMs = 500, maxMs = 10_000): Promise<number> {
  const read = () => {
    const rss = rssBytes(pid);
    if (Number.isNaN(rss)) throw new Error(`no resident memory for pid ${pid}: the process is gone`);
    return rss;
  };
  let last = read();
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, stepMs));
    const now = read();
    if (Math.abs(now - last) < last * 0.01) return now;
    last = now;
  }
  return last;
}
