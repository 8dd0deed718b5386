// A fixed CPU budget for one process: a cgroup v1 `cpu` group with a CFS quota, so the server, not the load generator, is the limit.
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CGROUP_CPU_ROOT = '/sys/fs/cgroup/cpu';

export interface CpuBudget {
  /** The group's directory. */
  path: string;
  /** Cores the group may use per period: quota / period. */
  cores: number;
  periodUs: number;
  quotaUs: number;
}

/** The quota for `cores` per `periodUs`; the kernel refuses quotas under 1 ms. */
export function quotaUs(cores: number, periodUs: number): number {
  if (!(cores > 0) || !(periodUs > 0)) throw new Error(`a CPU budget needs cores and period > 0 (got ${cores}, ${periodUs})`);
  const quota = Math.round(cores * periodUs);
  if (quota < 1000) throw new Error(`a quota of ${quota} µs is under the kernel's 1 ms minimum: lengthen the period`);
  return quota;
}

/**
 * Creates (or reuses) `<root>/<name>` with the budget; a string says why it could not (no cgroup v1 cpu controller,
 * no permission), so the caller can run unbudgeted and say so.
 */
export function createCpuBudget(name: string, cores: number, periodUs: number, root = CGROUP_CPU_ROOT): CpuBudget | string {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`cgroup name ${JSON.stringify(name)}: letters, digits, . _ - only`);
  const quota = quotaUs(cores, periodUs);
  const path = join(root, name);
  try {
    mkdirSync(path, { recursive: true });
    // Period first: a quota is checked against the period in force.
    writeFileSync(join(path, 'cpu.cfs_period_us'), String(periodUs));
    writeFileSync(join(path, 'cpu.cfs_quota_us'), String(quota));
  } catch (err) {
    return `no CPU budget (${path}: ${(err as Error).message.split('\n')[0]})`;
  }
  return { path, cores: quota / periodUs, periodUs, quotaUs: quota };
}

/** Moves a process, every thread of it (cgroup.procs, not tasks), into the group; false when the kernel refused. */
export function addToBudget(budget: CpuBudget, pid: number): boolean {
  try {
    writeFileSync(join(budget.path, 'cgroup.procs'), String(pid));
    return true;
  } catch {
    return false;
  }
}

export interface Throttling {
  /** Periods with runnable threads, and those of them the quota cut short. */
  periods: number;
  throttled: number;
  throttledMs: number;
}

/** cpu.stat: how often the quota ran out (zeroes when unreadable). */
export function readThrottling(budget: CpuBudget): Throttling {
  let text = '';
  try {
    text = readFileSync(join(budget.path, 'cpu.stat'), 'utf8');
  } catch {
    // Reported as no throttling seen.
  }
  const field = (key: string) => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { periods: field('nr_periods'), throttled: field('nr_throttled'), throttledMs: Math.round(field('throttled_time') / 1e6) };
}

export function throttlingBetween(a: Throttling, b: Throttling): Throttling {
  return { periods: b.periods - a.periods, throttled: b.throttled - a.throttled, throttledMs: b.throttledMs - a.throttledMs };
}

/** Removes the group once its processes have exited (a cgroup directory goes with rmdir, its files with it). */
export function removeCpuBudget(budget: CpuBudget): void {
  try {
    rmdirSync(budget.path);
  } catch {
    // Still populated or already gone: a later run reuses it by name.
  }
}
