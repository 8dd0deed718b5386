import { describe, expect, it } from 'vitest';
import type { FanoutResult, MemoryResult, ReadsResult, ReadsStep, RunResult, StepResult } from '../results.js';
import type { ServerName } from '../servers.js';
import { failures, summarizeRun } from './summary.js';

const step = (rate: number, p99: number, over: Partial<StepResult> = {}): StepResult => ({
  rate, publishedRate: rate, published: rate, clients: 1000, expected: rate * 1000, delivered: rate * 1000, bytes: 0,
  deliveriesPerSec: rate * 1000, latency: { count: 1, p50: 1, p90: 1, p99, p999: p99, max: p99, mean: 1 },
  lost: 0, reordered: 0, conflated: 0, behind: 0, ended: 0,
  cpu: { server: 50, loadgen: 50, serverCore: 50, loadgenCore: 50, redis: 5, publisher: 5 }, serverRssBytes: 0, loadgenLimited: false, contended: false,
  sustained: true, verdict: 'ok', ...over,
});

const fanout = (server: ServerName, maxSustained: number | null, steps: StepResult[]): FanoutResult => ({
  server, description: '', status: 'ok', clients: 1000, steps, maxSustained, peakDeliveries: maxSustained, lost: 0, reordered: 0, undelivered: 0,
});

const memory = (server: ServerName, bytesPerConn: number): MemoryResult => ({
  server, status: 'ok', requested: 10, connections: 10, failed: 0, rssBeforeBytes: 0, rssAfterBytes: 0, bytesPerConn,
  verified: true, lost: 0, reordered: 0,
});

function run(over: Partial<Omit<RunResult, 'summary'>>): RunResult {
  const base: Omit<RunResult, 'summary'> = {
    startedAt: '', finishedAt: '', quick: true, options: {}, machine: {}, versions: {}, fanout: [], memory: [], slow: [], ...over,
  };
  return { ...base, summary: summarizeRun(base) };
}

const slowRun = (server: ServerName, undelivered: number) => ({
  server, status: 'ok' as const, clients: 500, slowClients: 50, rate: 1000, baseline: step(1000, 5), withSlow: step(1000, 5), undelivered,
});

describe('summarizeRun', () => {
  it('counts what a gateway still owes healthy clients after a stall as lost, and a naive peer\'s as its backlog', () => {
    const r = run({ slow: [slowRun('express-sse', 2_000_000), slowRun('sse-gateway', 0)] });
    expect(r.summary.lost).toBe(0);
    expect(r.summary.peersBehindAfterStall).toEqual([{ server: 'express-sse', owed: 2_000_000 }]);
    expect(failures(r)).toEqual([]);
    const bad = run({ slow: [slowRun('sse-gateway', 7)] });
    expect(bad.summary.lost).toBe(7);
    expect(failures(bad)).toEqual(['7 events lost']);
  });

  it('divides max sustained deliveries and compares p99 at the step nearest 200k deliveries/s', () => {
    const r = run({
      fanout: [
        fanout('ws-gateway', 2_000_000, [step(200, 6), step(2000, 30)]),
        fanout('uws-raw', 2_500_000, [step(200, 4), step(2000, 20)]),
        fanout('socketio', 50_000, [step(50, 40)]),
      ],
      memory: [memory('ws-gateway', 1500), memory('sse-gateway', 3000), memory('uws-raw', 1000)],
    });
    expect(r.summary).toMatchObject({
      wsVsSocketIo: 40, wsVsRawUws: 0.8, sseVsExpress: null, wsBytesPerConn: 1500, sseBytesPerConn: 3000, wsP99VsRawAt200k: 1.5,
    });
    expect(r.summary.memoryRatios?.map((m) => [m.gateway, m.ratio])).toEqual([['ws-gateway', 1.5]]);
    expect(r.summary.targets['memory:ws-gateway@10']?.met).toBe(false);
    expect(r.summary.targets.wsVsSocketIo?.met).toBe(true);
    expect(r.summary.targets.wsVsRawUws?.met).toBe(true);
    expect(r.summary.targets.sseVsExpress?.met).toBeNull();
    expect(failures(r)).toEqual([]);
  });

  it('counts loss, reordering, loadgen-limited steps and crashes, and fails the run on them', () => {
    const r = run({
      fanout: [
        fanout('ws', null, [step(100, 5, { lost: 3, sustained: false, verdict: 'lost 3', loadgenLimited: true })]),
        { ...fanout('socketio', null, []), status: 'crashed', reason: 'socketio exited (SIGSEGV)' },
      ],
      memory: [{ ...memory('ws', 100), reordered: 2 }],
    });
    expect(r.summary).toMatchObject({ lost: 3, reordered: 2, loadgenLimited: true, loadgenLimitedSteps: ['fanout/ws@100'] });
    expect(failures(r)).toEqual(['3 events lost', '2 events reordered', 'crash: socketio: socketio exited (SIGSEGV)']);
  });

  it('reports the reads ratio against its target and fails the run on a read answered other than 2xx, not on the ratio', () => {
    const latency = { count: 1, p50: 1, p90: 1, p99: 1, p999: 1, max: 1, mean: 1 };
    const cpu = { server: 90, loadgen: 40, serverCore: 95, loadgenCore: 50, redis: 5 };
    const readStep = (server: 'dish' | 'bare', reqPerSec: number, non2xx = 0): ReadsStep => ({
      endpoint: 'dishes', path: '/api/dishes', buckets: 8640, server, requests: 10, reqPerSec, reqPerCpuSecond: reqPerSec * 2, latency,
      statuses: non2xx ? { 200: 10 - non2xx, 503: non2xx } : { 200: 10 }, non2xx,
      errors: 0, bodyBytes: 10, redisCalls: {}, redisCallsPerRequest: 0, cpu, loadgenLimited: false, contended: false,
    });
    const reads = (dish: number, non2xx = 0): ReadsResult => ({
      status: 'ok', connections: 50, durationMs: 2000, events: 1000, sinceBack: 100, histories: [8640], missing: [],
      steps: [readStep('dish', dish, non2xx), readStep('bare', 1000)],
    });
    const slow = run({ reads: reads(100) });
    expect(slow.summary.readsWorstRatio).toBe(0.1);
    expect(slow.summary.reads).toEqual([
      { endpoint: 'dishes', buckets: 8640, dishReqPerSec: 100, bareReqPerSec: 1000, ratio: 0.1, met: false, cpuRatio: 0.1, dishRedisCallsPerRequest: 0 },
    ]);
    expect(slow.summary.targets.readsVsBare?.met).toBe(false);
    expect(failures(slow)).toEqual([]);
    const erring = run({ reads: reads(700, 4) });
    expect(erring.summary.targets.readsVsBare?.met).toBe(true);
    expect(failures(erring)).toEqual(['reads: GET /api/dishes (dish, 8,640 sales buckets): 4 non-2xx (503 ×4)']);
  });
});
