import { describe, expect, it } from 'vitest';
import type { ClusterResult, ClusterWriteConfig, ClusterWriteRound, RunResult } from '../results.js';
import { failures, summarizeRun } from '../report/summary.js';
import { bytesPerEntry, compareConfigs, configFigures, deliveryRate, limitedBy, median, roundFigures, usPerWrite, type RoundSample } from './cluster-figures.js';

const latency = { count: 1, p50: 2, p90: 3, p99: 4, p999: 5, max: 6, mean: 2 };

const sample = (over: Partial<RoundSample> = {}): RoundSample => ({
  writes: 10_000, failed: 0, elapsedMs: 2000, latency, seconds: 2,
  // Pids 1 and 2: a primary and its replica; 10: the writer; 20: the orchestrator.
  usage: { cores: [80, 95], procs: { 1: 50, 2: 20, 10: 70, 20: 5 }, procsSys: {} },
  nodes: [{ pid: 1, port: 7001, role: 'primary' }, { pid: 2, port: 7002, role: 'replica' }],
  writerPids: [10], otherOwnPids: [20], redisCore: 0, writerCore: 1, ...over,
});

const round = (writesPerSec: number, primaryUsPerWrite: number | null, over: Partial<ClusterWriteRound> = {}): ClusterWriteRound => ({
  ...roundFigures(sample()), writesPerSec, primaryUsPerWrite, ...over,
});

const config = (primaries: number, rounds: ClusterWriteRound[], minReplicas = 1): ClusterWriteConfig =>
  configFigures({ primaries, replicasPerPrimary: 1, minReplicas, restaurants: 30, rounds, bytesPerStreamEntry: 400 });

describe('cluster figures', () => {
  it('turns a share of a core over a round into CPU µs per write', () => {
    // Half a core for 2 s is 1 CPU-second; over 10,000 writes, 100 µs each.
    expect(usPerWrite(50, 2, 10_000)).toBe(100);
    expect(usPerWrite(50, 2, 0)).toBeNull();
  });

  it('names the saturated core, Redis first', () => {
    expect(limitedBy([95, 99], 0, 1)).toBe('redis-core');
    expect(limitedBy([80, 99], 0, 1)).toBe('writer-core');
    expect(limitedBy([80, 85], 0, 1)).toBe('neither');
  });

  it('sums the nodes by role, charges each its µs per write, and counts what others took of each core', () => {
    const r = roundFigures(sample());
    expect(r.writesPerSec).toBe(5000);
    expect(r.cpu).toMatchObject({ primaries: 50, replicas: 20, writers: 70 });
    expect([r.primaryUsPerWrite, r.replicaUsPerWrite, r.writerUsPerWrite]).toEqual([100, 40, 140]);
    // Core 0 busy 80 %, of which 70 points are the nodes; core 1 busy 95 %, 75 of them the writer and the orchestrator.
    expect([r.otherOnRedisCore, r.otherOnWriterCore]).toEqual([10, 20]);
    expect(r.limitedBy).toBe('writer-core');
  });

  it('takes medians over rounds and the bound most rounds had', () => {
    const c = config(1, [
      round(5000, 60, { limitedBy: 'redis-core' }),
      round(7000, 50, { limitedBy: 'redis-core' }),
      round(3000, 80, { limitedBy: 'neither' }),
    ]);
    expect(c.writesPerSec).toBe(5000);
    expect(c.primaryUsPerWrite).toBe(60);
    expect(c.writesPerPrimaryCoreSecond).toBe(16_667);
    expect(c.limitedBy).toBe('redis-core');
    expect(median([])).toBeNull();
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('compares 3 primaries with 1 round by round, so a burst that hit one pair does not decide', () => {
    const one = config(1, [round(10_000, 50), round(4000, 50), round(10_000, 50)]);
    // Round 2 ran during a neighbour's burst: both clusters slowed alike.
    const three = config(3, [round(8000, 60), round(3200, 60), round(8000, 60)]);
    expect(compareConfigs(one, three)).toMatchObject({ minReplicas: 1, writesRatio: 0.8, primaryUsRatio: 1.2 });
  });

  it('gives memory per stream entry only when entries were added', () => {
    expect(bytesPerEntry(1_000_000, 1_400_000, 1000, 2000)).toBe(400);
    expect(bytesPerEntry(1_000_000, 1_000_000, 1000, 1000)).toBeNull();
  });

  it('writes the deliveries at half the slower cluster, capped, in hundreds', () => {
    expect(deliveryRate([9000, 5150], 4000)).toBe(2500);
    expect(deliveryRate([30_000, 20_000], 4000)).toBe(4000);
    expect(deliveryRate([null, 120], 4000)).toBe(100);
    expect(deliveryRate([null, null], 2000)).toBe(2000);
  });

  it('counts the deliveries lost and a failed scenario in the run', () => {
    const cluster: ClusterResult = {
      status: 'failed', reason: 'no snapshot\nmore', pinned: true, redisCore: 0, writerCore: 1, workers: 1, connectionsPerWorker: 4, concurrency: 256,
      replicaTimeoutMs: 1000, writes: [config(1, [round(5000, 60)]), config(3, [round(4000, 80)])], comparisons: [], deliveries: [], lost: 3, reordered: 1,
    };
    cluster.comparisons.push(compareConfigs(cluster.writes[0]!, cluster.writes[1]!));
    const base: Omit<RunResult, 'summary'> = { startedAt: '', finishedAt: '', quick: true, options: {}, machine: {}, versions: {}, fanout: [], memory: [], slow: [], cluster };
    const run = { ...base, summary: summarizeRun(base) };
    expect(run.summary).toMatchObject({ lost: 3, reordered: 1 });
    expect(run.summary.clusterWrites).toEqual([{ minReplicas: 1, writesPerSec: [5000, 4000], primaryUsPerWrite: [60, 80], writesRatio: 0.8 }]);
    expect(failures(run)).toEqual(['3 events lost', '1 events reordered', 'cluster: no snapshot']);
  });
});
