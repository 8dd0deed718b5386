// One process's own CPU time from /proc, user and kernel apart.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export interface ProcUsage {
  userSec: number;
  sysSec: number;
}

/** utime and stime of a /proc/<pid>/stat line, in seconds (the command name may hold spaces and parentheses). */
export function parseStat(stat: string): ProcUsage {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { userSec: Number(fields[11]) / TICKS_PER_SECOND, sysSec: Number(fields[12]) / TICKS_PER_SECOND };
}

/** NaN fields when the process is gone. */
export function readProcUsage(pid: number): ProcUsage {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return { userSec: NaN, sysSec: NaN };
  }
}

export function usageBetween(a: ProcUsage, b: ProcUsage): ProcUsage {
  return { userSec: b.userSec - a.userSec, sysSec: b.sysSec - a.sysSec };
}
