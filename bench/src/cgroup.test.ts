import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addToBudget, createCpuBudget, quotaUs, readThrottling, throttlingBetween, type CpuBudget } from './cgroup.js';

const roots: string[] = [];
const root = () => {
  const dir = mkdtempSync(join(tmpdir(), 'cgroup-test-'));
  roots.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of roots.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('quotaUs', () => {
  it('is cores × period, and refuses what the kernel would', () => {
    expect(quotaUs(0.5, 10_000)).toBe(5000);
    expect(quotaUs(2, 100_000)).toBe(200_000);
    expect(() => quotaUs(0, 10_000)).toThrow(/> 0/);
    expect(() => quotaUs(0.05, 10_000)).toThrow(/1 ms minimum/);
  });
});

describe('createCpuBudget', () => {
  it('writes the period and quota into <root>/<name> and moves a pid into cgroup.procs', () => {
    const dir = root();
    const budget = createCpuBudget('bench-1', 0.5, 10_000, dir) as CpuBudget;
    expect(budget).toEqual({ path: join(dir, 'bench-1'), cores: 0.5, periodUs: 10_000, quotaUs: 5000 });
    expect(readFileSync(join(dir, 'bench-1', 'cpu.cfs_period_us'), 'utf8')).toBe('10000');
    expect(readFileSync(join(dir, 'bench-1', 'cpu.cfs_quota_us'), 'utf8')).toBe('5000');
    expect(addToBudget(budget, 4242)).toBe(true);
    expect(readFileSync(join(dir, 'bench-1', 'cgroup.procs'), 'utf8')).toBe('4242');
  });

  it('says why when the group cannot be made, and refuses names that would leave the root', () => {
    const dir = root();
    writeFileSync(join(dir, 'file'), '');
    const why = createCpuBudget('bench', 0.5, 10_000, join(dir, 'file'));
    expect(why).toMatch(/^no CPU budget \(.*file\/bench: /);
    expect(() => createCpuBudget('../escape', 0.5, 10_000, dir)).toThrow(/cgroup name/);
    expect(addToBudget({ path: join(dir, 'missing', 'deeper'), cores: 1, periodUs: 1, quotaUs: 1 }, 1)).toBe(false);
  });
});

describe('readThrottling', () => {
  it('reads cpu.stat in ms, and counts nothing where there is no file', () => {
    const dir = root();
    const budget = createCpuBudget('b', 1, 100_000, dir) as CpuBudget;
    expect(readThrottling(budget)).toEqual({ periods: 0, throttled: 0, throttledMs: 0 });
    writeFileSync(join(budget.path, 'cpu.stat'), 'nr_periods 120\nnr_throttled 30\nthrottled_time 45000000\n');
    const a = readThrottling(budget);
    expect(a).toEqual({ periods: 120, throttled: 30, throttledMs: 45 });
    writeFileSync(join(budget.path, 'cpu.stat'), 'nr_periods 220\nnr_throttled 31\nthrottled_time 47000000\n');
    expect(throttlingBetween(a, readThrottling(budget))).toEqual({ periods: 100, throttled: 1, throttledMs: 2 });
  });
});
