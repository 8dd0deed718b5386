// The cluster scenario's figures from its raw samples: CPU per write, what bounded a round, medians over rounds, and
// 3 primaries against 1. No I/O: the scenario measures, this turns measurements into the reported figures.
import type { CpuUsage } from '../cpu.js';
import type { LatencySummary } from '../loadgen/stats.js';
import type { ClusterComparison, ClusterLimit, ClusterNodeCpu, ClusterWriteConfig, ClusterWriteRound } from '../results.js';

/** A core busier than this (percent) had nothing left to give: whatever ran on it bounded the round. */
export const SATURATED_CORE = 90;

const round1 = (v: number) => Math.round(v * 10) / 10;
const round2 = (v: number) => Math.round(v * 100) / 100;

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** CPU-µs per write from a share of one core (percent) held over `seconds`; null without writes. */
export function usPerWrite(cpuPercent: number, seconds: number, writes: number): number | null {
  if (writes <= 0 || !Number.isFinite(cpuPercent)) return null;
  return round1(((cpuPercent / 100) * seconds * 1e6) / writes);
}

/** Redis's core first: when both were saturated, adding writers would not have helped. */
export function limitedBy(cores: readonly number[], redisCore: number, writerCore: number): ClusterLimit {
  if ((cores[redisCore] ?? 0) > SATURATED_CORE) return 'redis-core';
  if ((cores[writerCore] ?? 0) > SATURATED_CORE) return 'writer-core';
  return 'neither';
}

export interface RoundSample {
  writes: number;
  failed: number;
  firstError?: string;
  elapsedMs: number;
  latency: LatencySummary;
  /** CPU between two samples taken `seconds` apart, around the round. */
  usage: CpuUsage;
  seconds: number;
  nodes: { pid: number; port: number; role: 'primary' | 'replica' }[];
  writerPids: readonly number[];
  /** Our other processes on the writers' core (the orchestrator). */
  otherOwnPids: readonly number[];
  redisCore: number;
  writerCore: number;
}

export function roundFigures(s: RoundSample): ClusterWriteRound {
  const cpuOf = (pid: number) => s.usage.procs[pid] ?? 0;
  const nodes: ClusterNodeCpu[] = s.nodes.map((n) => ({ port: n.port, role: n.role, cpu: cpuOf(n.pid) }));
  const sum = (role: 'primary' | 'replica') => round1(nodes.filter((n) => n.role === role).reduce((t, n) => t + n.cpu, 0));
  const primaries = sum('primary');
  const replicas = sum('replica');
  const writers = round1(s.writerPids.reduce((t, p) => t + cpuOf(p), 0));
  const own = round1(s.otherOwnPids.reduce((t, p) => t + cpuOf(p), 0));
  const other = (core: number, ours: number) => round1(Math.max(0, (s.usage.cores[core] ?? 0) - ours));
  return {
    writes: s.writes,
    failed: s.failed,
    ...(s.firstError ? { firstError: s.firstError } : {}),
    writesPerSec: s.elapsedMs > 0 ? Math.round((s.writes / s.elapsedMs) * 1000) : 0,
    latency: s.latency,
    cpu: { primaries, replicas, writers, nodes },
    cores: s.usage.cores,
    primaryUsPerWrite: usPerWrite(primaries, s.seconds, s.writes),
    replicaUsPerWrite: usPerWrite(replicas, s.seconds, s.writes),
    writerUsPerWrite: usPerWrite(writers, s.seconds, s.writes),
    otherOnRedisCore: other(s.redisCore, primaries + replicas),
    otherOnWriterCore: other(s.writerCore, writers + own),
    limitedBy: limitedBy(s.usage.cores, s.redisCore, s.writerCore),
  };
}

const present = (values: (number | null)[]) => values.filter((v): v is number => v !== null);

/** The medians over a configuration's rounds, and the bound most of them had (ties: the first one met). */
export function configFigures(c: Pick<ClusterWriteConfig, 'primaries' | 'replicasPerPrimary' | 'minReplicas' | 'restaurants' | 'rounds' | 'bytesPerStreamEntry'>): ClusterWriteConfig {
  const m = (pick: (r: ClusterWriteRound) => number | null) => {
    const v = median(present(c.rounds.map(pick)));
    return v === null ? null : round1(v);
  };
  const primaryUsPerWrite = m((r) => r.primaryUsPerWrite);
  const counts = new Map<ClusterLimit, number>();
  for (const r of c.rounds) counts.set(r.limitedBy, (counts.get(r.limitedBy) ?? 0) + 1);
  const limit = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'neither';
  const writesPerSec = m((r) => r.writesPerSec);
  return {
    ...c,
    writesPerSec: writesPerSec === null ? null : Math.round(writesPerSec),
    primaryUsPerWrite,
    replicaUsPerWrite: m((r) => r.replicaUsPerWrite),
    writerUsPerWrite: m((r) => r.writerUsPerWrite),
    writesPerPrimaryCoreSecond: primaryUsPerWrite ? Math.round(1e6 / primaryUsPerWrite) : null,
    limitedBy: limit,
  };
}

/**
 * 3 primaries over 1: round k of each configuration ran back to back, so each pair shares the machine's state of the
 * moment; the median of the pairs' ratios is steadier on a shared machine than the ratio of the medians.
 */
export function compareConfigs(one: ClusterWriteConfig, three: ClusterWriteConfig): ClusterComparison {
  const pairs = one.rounds.map((r, i) => [r, three.rounds[i]] as const).filter((p): p is readonly [ClusterWriteRound, ClusterWriteRound] => p[1] !== undefined);
  const ratio = (pick: (r: ClusterWriteRound) => number | null) => {
    const v = median(present(pairs.map(([a, b]) => {
      const x = pick(a);
      const y = pick(b);
      return x && y !== null ? y / x : null;
    })));
    return v === null ? null : round2(v);
  };
  return {
    minReplicas: one.minReplicas,
    writesRatio: ratio((r) => r.writesPerSec),
    primaryUsRatio: ratio((r) => r.primaryUsPerWrite),
    replicaUsRatio: ratio((r) => r.replicaUsPerWrite),
  };
}

/** Bytes of Redis memory per stream entry added between two readings; null when no entry was added. */
export function bytesPerEntry(memoryBefore: number, memoryAfter: number, entriesBefore: number, entriesAfter: number): number | null {
  const entries = entriesAfter - entriesBefore;
  return entries > 0 ? Math.round((memoryAfter - memoryBefore) / entries) : null;
}

/**
 * The deliveries' write rate at one WRITE_MIN_REPLICAS: half what the slower cluster sustained (so neither is at its
 * limit and the gateway, not the writers, is what the step measures), at most `cap`, in hundreds, at least 100.
 */
export function deliveryRate(sustained: readonly (number | null)[], cap: number): number {
  const slowest = Math.min(...present([...sustained]), cap * 2);
  return Math.max(100, Math.floor(Math.min(cap, slowest / 2) / 100) * 100);
}
