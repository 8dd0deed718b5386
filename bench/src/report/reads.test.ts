import { describe, expect, it } from 'vitest';
import type { ReadEndpoint, ReadServer, ReadsResult, ReadsStep } from '../results.js';
import { compareReads, readsErrors, readsTable, readsVerdict } from './reads.js';

const step = (endpoint: ReadEndpoint, buckets: number, server: ReadServer, reqPerSec: number, over: Partial<ReadsStep> = {}): ReadsStep => ({
  endpoint, path: `/api/${endpoint}`, buckets, server, requests: reqPerSec * 2, reqPerSec, reqPerCpuSecond: reqPerSec,
  latency: { count: 1, p50: 1, p90: 1, p99: 2, p999: 2, max: 2, mean: 1 }, statuses: { 200: reqPerSec * 2 }, non2xx: 0, errors: 0,
  bodyBytes: 1000, redisCalls: { get: 1 }, redisCallsPerRequest: 1, cpu: { server: 90, loadgen: 50, serverCore: 95, loadgenCore: 60, redis: 10 },
  loadgenLimited: false, contended: false, ...over,
});

const reads = (steps: ReadsStep[], over: Partial<ReadsResult> = {}): ReadsResult => ({
  status: 'ok', connections: 50, durationMs: 2000, events: 1000, sinceBack: 100, histories: [0, 8640], steps, missing: [], ...over,
});

describe('compareReads', () => {
  it('pairs the dish service with the bare peer per route and history and divides their rates', () => {
    const r = reads([
      step('dishes', 0, 'dish', 6000), step('dishes', 0, 'bare', 10_000),
      step('dishes', 8640, 'dish', 4000), step('dishes', 8640, 'bare', 10_000),
      step('sales', 0, 'dish', 3000),
    ]);
    expect(compareReads(r).map((c) => [c.endpoint, c.buckets, c.ratio, c.met])).toEqual([
      ['dishes', 0, 0.6, true],
      ['dishes', 8640, 0.4, false],
    ]);
    expect(readsVerdict(r)).toEqual({ worst: 0.4, met: false });
  });

  it('divides the rates per second of each server\'s own CPU too, when both were measured', () => {
    const r = reads([
      step('events', 0, 'dish', 3000, { reqPerCpuSecond: 4500 }), step('events', 0, 'bare', 6000, { reqPerCpuSecond: 9000 }),
      step('events', 8640, 'dish', 3000, { reqPerCpuSecond: null }), step('events', 8640, 'bare', 6000),
    ]);
    expect(compareReads(r).map((c) => c.cpuRatio)).toEqual([0.5, null]);
  });

  it('meets the target only when every route was measured at every history', () => {
    const all = reads([step('events', 0, 'dish', 5000), step('events', 0, 'bare', 9000)]);
    expect(readsVerdict(all)).toEqual({ worst: 0.56, met: true });
    const missing = reads(all.steps, { missing: [{ endpoint: 'sales', path: '/api/sales', buckets: 0, reason: 'HTTP 404' }] });
    expect(readsVerdict(missing)).toEqual({ worst: 0.56, met: null });
    expect(readsVerdict(undefined)).toEqual({ worst: null, met: null });
    expect(readsTable(missing).rows.at(-1)?.slice(0, 3)).toEqual(['GET /api/sales', 'no sales history', 'not served: HTTP 404']);
  });
});

describe('readsErrors', () => {
  it('names each step with answers other than 2xx or none', () => {
    const r = reads([
      step('dishes', 8640, 'dish', 5, { non2xx: 44, statuses: { 200: 6, 503: 44 } }),
      step('dishes', 8640, 'bare', 9000),
      step('events', 0, 'bare', 9000, { errors: 3, firstError: 'socket hang up' }),
    ]);
    expect(readsErrors(r)).toEqual([
      'reads: GET /api/dishes (dish, 8,640 sales buckets): 44 non-2xx (503 ×44)',
      'reads: GET /api/events (bare, no sales history): 3 without answer (socket hang up)',
    ]);
  });
});
