// The process's open-file limit against the connections it is configured to hold: node cannot raise it, so it warns.
import { readFileSync } from 'node:fs';
import type { Logger } from './logger.js';

/** Soft and hard `Max open files` of this process (Linux /proc), or undefined where that cannot be read. */
export function openFilesLimit(): { soft: number; hard: number } | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const m = line && /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(line);
    if (!m) return undefined;
    const n = (v: string) => (v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v));
    return { soft: n(m[1]!), hard: n(m[2]!) };
  } catch {
    return undefined;
  }
}

/** File descriptors a gateway needs besides its clients: Redis, the listening socket, logs, libraries. */
const SPARE_FDS = 64;

/**
 * Logs the limit at start, and warns when MAX_CONNECTIONS cannot be reached with it: raise it before node starts
 * (`ulimit -n <hard>` in the shell, compose `ulimits: nofile`), since a process cannot call setrlimit from node.
 */
export function checkFileLimit(maxConnections: number, log: Logger): void {
  const limit = openFilesLimit();
  if (!limit) return;
  const needed = maxConnections + SPARE_FDS;
  if (limit.soft < needed) {
    log.warn(
      { softLimit: limit.soft, hardLimit: limit.hard, maxConnections, needed },
      `open-file limit ${limit.soft} is below MAX_CONNECTIONS + ${SPARE_FDS}: run \`ulimit -n ${Math.min(limit.hard, needed)}\` (or compose ulimits.nofile) before starting, or lower MAX_CONNECTIONS`,
    );
  } else {
    log.info({ softLimit: limit.soft, hardLimit: limit.hard, maxConnections }, 'open-file limit');
  }
}
