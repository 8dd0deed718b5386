// CPU time of processes and cores, sampled from /proc: how busy the server's and the load generator's cores were.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export interface CpuSample {
  at: number;
  /** Per core: [busy ticks, total ticks]. */
  cores: [number, number][];
  /** Per pid: [utime + stime, stime] ticks. */
  procs: Map<number, [number, number]>;
}

function readCores(): [number, number][] {
  const cores: [number, number][] = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    if (!/^cpu\d+ /.test(line)) continue;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    cores.push([total - idle, total]);
  }
  return cores;
}

function procTicks(pid: number): [number, number] {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [Number(fields[11]) + Number(fields[12]), Number(fields[12])];
  } catch {
    return [NaN, NaN];
  }
}

export function sampleCpu(pids: number[]): CpuSample {
  return { at: performance.now(), cores: readCores(), procs: new Map(pids.map((p) => [p, procTicks(p)])) };
}

export interface CpuUsage {
  /** Percent busy per core, whoever used it (the machine may be shared). */
  cores: number[];
  /** Percent of one core per pid. */
  procs: Record<number, number>;
  /** The part of it spent in the kernel (syscalls: socket reads and writes). */
  procsSys: Record<number, number>;
}

export function cpuBetween(a: CpuSample, b: CpuSample): CpuUsage {
  const cores = b.cores.map(([busy, total], i) => {
    const [busy0 = 0, total0 = 0] = a.cores[i] ?? [];
    return total > total0 ? Math.round(((busy - busy0) / (total - total0)) * 1000) / 10 : 0;
  });
  const seconds = (b.at - a.at) / 1000;
  const procs: Record<number, number> = {};
  const procsSys: Record<number, number> = {};
  const percent = (ticks: number) => Math.round((ticks / TICKS_PER_SECOND / seconds) * 1000) / 10;
  for (const [pid, [ticks, sys]] of b.procs) {
    const [ticks0, sys0] = a.procs.get(pid) ?? [NaN, NaN];
    procs[pid] = percent(ticks - ticks0);
    procsSys[pid] = percent(sys - sys0);
  }
  return { cores, procs, procsSys };
}
