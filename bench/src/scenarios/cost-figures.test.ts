import { describe, expect, it } from 'vitest';
import type { StepResult } from '../results.js';
import {
  ceilingRatio, ceilingStop, compareCost, costStep, finishCeiling, keptUp, perMillion, rawPeer, summarizeCeilings,
  costLoss, type CeilingRound, type CeilingStep, type CostResult,
} from './cost-figures.js';

const step = (rate: number, more: Partial<StepResult> = {}, cpu: Partial<StepResult['cpu']> = {}): StepResult => ({
  rate, publishedRate: rate, published: rate * 8, clients: 1000, expected: rate * 8000, delivered: rate * 8000, bytes: 0,
  deliveriesPerSec: rate * 1000, latency: { p50: 5, p90: 10, p99: 20, p999: 30, max: 40, mean: 6, count: rate * 8000 },
  lost: 0, reordered: 0, conflated: 0, behind: 0, ended: 0,
  cpu: { server: 30, loadgen: 60, serverCore: 35, loadgenCore: 70, redis: 5, publisher: 5, ...cpu },
  serverRssBytes: 0, loadgenLimited: false, contended: false, sustained: true, verdict: 'ok', ...more,
});

describe('perMillion', () => {
  it('scales a total to a million deliveries, unknown without deliveries or without the total', () => {
    expect(perMillion(2, 4_000_000)).toBe(0.5);
    expect(perMillion(1.2345, 1_000_000)).toBe(1.235);
    expect(perMillion(1, 0)).toBeNull();
    expect(perMillion(NaN, 1_000_000)).toBeNull();
  });
});

describe('keptUp', () => {
  it('holds when everything arrived in order at the rate, and fails on each shortfall', () => {
    expect(keptUp(step(200))).toBe(true);
    // A fixed-rate step over the fan-out's 100 ms p99 is still kept up with: its cost is the rate's.
    expect(keptUp(step(200, { latency: { ...step(200).latency, p99: 400 }, verdict: 'p99 400 ms > 100 ms' }))).toBe(true);
    expect(keptUp(step(200, { latency: { ...step(200).latency, p99: 1500 } }))).toBe(false);
    expect(keptUp(step(200, { behind: 1 }))).toBe(false);
    expect(keptUp(step(200, { conflated: 3 }))).toBe(false);
    expect(keptUp(step(200, { delivered: 200 * 8000 * 0.9 }))).toBe(false);
    expect(keptUp(step(200, { publishedRate: 150 }))).toBe(false);
    expect(keptUp(step(200, { lost: 1 }))).toBe(false);
  });
});

describe('costStep', () => {
  it('splits CPU-seconds per million deliveries into user and kernel, and writes per delivery', () => {
    // 1.6 M deliveries, 0.8 s user + 0.4 s sys, 16,000 writes.
    const c = costStep(step(200), { userSec: 0.8, sysSec: 0.4 }, 16_000);
    expect(c.targetDeliveriesPerSec).toBe(200_000);
    expect([c.userPerM, c.sysPerM, c.cpuPerM]).toEqual([0.5, 0.25, 0.75]);
    expect(c.writesPerDelivery).toBe(0.01);
    expect(c.deliveriesPerWrite).toBe(100);
    expect(c.flags).toEqual([]);
  });

  it('leaves the writes unknown without a count, and flags what makes the figure not the rate clean cost', () => {
    const c = costStep(step(1000, { behind: 5, verdict: '5 deliveries still due after the drain', loadgenLimited: true }), { userSec: 1, sysSec: 1 }, null);
    expect(c.writesPerDelivery).toBeNull();
    expect(c.deliveriesPerWrite).toBeNull();
    expect(c.keptUp).toBe(false);
    expect(c.flags).toEqual(['not kept up (5 deliveries still due after the drain)', 'loadgen-limited']);
  });
});

describe('compareCost', () => {
  const result = (server: CostResult['server'], perM: number[], kept = perM.map(() => true)): CostResult => ({
    server, status: 'ok', clients: 1000, skippedRates: [], lost: 0, reordered: 0, undelivered: 0, undeliveredIsLate: false,
    steps: perM.map((p, i) => {
      const rate = [200, 500][i]!;
      const s = costStep(step(rate, kept[i] ? {} : { behind: 1 }), { userSec: (p * rate * 8000) / 1e6 / 2, sysSec: (p * rate * 8000) / 1e6 / 2 }, null);
      return s;
    }),
  });

  it('compares each server with its transport raw peer at the same rate, flagged unless both kept up', () => {
    expect(rawPeer('ws-gateway')).toBe('uws-raw');
    expect(rawPeer('socketio')).toBe('uws-raw');
    expect(rawPeer('sse-gateway')).toBe('http-sse-raw');
    expect(rawPeer('uws-raw')).toBeUndefined();
    const out = compareCost([result('ws-gateway', [0.5, 0.4], [true, false]), result('uws-raw', [1, 0.8]), result('sse-gateway', [1])]);
    expect(out.map((c) => [c.server, c.raw, c.rate, c.ratio, c.sysRatio, c.flagged])).toEqual([
      ['ws-gateway', 'uws-raw', 200, 0.5, 0.5, false],
      ['ws-gateway', 'uws-raw', 500, 0.5, 0.5, true],
    ]);
    // No peer figure at the rate: no ratio.
    expect(compareCost([result('ws-gateway', [0.5, 0.4]), result('uws-raw', [1])]).map((c) => [c.ratio, c.flagged])).toEqual([[0.5, false], [null, true]]);
  });
});

describe('costLoss', () => {
  const kept = costStep(step(200), { userSec: 1, sysSec: 1 }, null);
  const behind = costStep(step(500, { behind: 9 }), { userSec: 1, sysSec: 1 }, null);
  const gaps = costStep(step(500, { lost: 2, reordered: 1 }), { userSec: 1, sysSec: 1 }, null);

  it('counts gaps always, and what is owed after the drain unless a peer fell behind', () => {
    expect(costLoss({ steps: [kept], undelivered: 5 }, false)).toEqual({ lost: 5, reordered: 0, undeliveredIsLate: false });
    expect(costLoss({ steps: [kept, behind], undelivered: 5 }, false)).toEqual({ lost: 0, reordered: 0, undeliveredIsLate: true });
    // A Dish Live gateway owing anything has lost it, behind or not.
    expect(costLoss({ steps: [kept, behind], undelivered: 5 }, true)).toEqual({ lost: 5, reordered: 0, undeliveredIsLate: false });
    expect(costLoss({ steps: [kept, gaps], undelivered: 5 }, false)).toEqual({ lost: 2, reordered: 1, undeliveredIsLate: true });
    expect(costLoss({ steps: [gaps], undelivered: 0 }, false)).toEqual({ lost: 2, reordered: 1, undeliveredIsLate: false });
  });
});

describe('ceilings', () => {
  const cs = (rate: number, kept: boolean, more: Partial<StepResult> = {}, cpu: Partial<StepResult['cpu']> = {}): CeilingStep => ({
    step: step(rate, more, cpu), keptUp: kept,
  });
  const round = (server: CeilingRound['server'], steps: CeilingStep[], r = 1, budgetCores: number | null = 0.5): CeilingRound =>
    finishCeiling({ server, round: r, status: 'ok', budgetCores, steps, ceiling: null, stoppedBy: 'grid', isFloor: true, lost: 0, reordered: 0, undelivered: 0 });

  it('says what stopped the stepping: the server at its budget first, then the load generator, then the publisher', () => {
    expect(ceilingStop([cs(200, true), cs(400, true)], 0.5)).toBe('grid');
    expect(ceilingStop([cs(200, true), cs(400, false, { loadgenLimited: true }, { server: 46 })], 0.5)).toBe('server');
    expect(ceilingStop([cs(200, true), cs(400, false, { loadgenLimited: true }, { server: 30 })], 0.5)).toBe('loadgen');
    expect(ceilingStop([cs(400, false, { publishedRate: 300 }, { server: 30 })], 0.5)).toBe('publisher');
    // Unbudgeted: 90 % of a whole core.
    expect(ceilingStop([cs(400, false, { loadgenLimited: true }, { server: 60 })], null)).toBe('loadgen');
    expect(ceilingStop([cs(400, false, {}, { server: 30 })], 0.5)).toBe('server');
    // A quota used up in most periods is the budget's limit, though the share over the step and its drain is lower.
    const throttled = (throttled: number): CeilingStep => ({ ...cs(400, false, { loadgenLimited: true }, { server: 20 }), throttling: { periods: 500, throttled, throttledMs: 0 } });
    expect(ceilingStop([throttled(250)], 0.25)).toBe('server');
    expect(ceilingStop([throttled(249)], 0.25)).toBe('loadgen');
  });

  it('takes the highest step kept up with, a floor unless the server stopped it, none after a loss', () => {
    const ws = round('ws-gateway', [cs(200, true), cs(400, true), cs(800, false, {}, { server: 48 })]);
    expect([ws.ceiling, ws.stoppedBy, ws.isFloor]).toEqual([400_000, 'server', false]);
    const floor = round('uws-raw', [cs(200, true), cs(400, false, { loadgenLimited: true })]);
    expect([floor.ceiling, floor.stoppedBy, floor.isFloor]).toEqual([200_000, 'loadgen', true]);
    const lossy = round('uws-raw', [cs(200, true, { lost: 2 }), cs(400, false, {}, { server: 48 })]);
    expect([lossy.ceiling, lossy.lost]).toEqual([null, 2]);
  });

  it('keeps each server best round and bounds the ratio by the floors', () => {
    const ws1 = round('ws-gateway', [cs(200, true), cs(400, false, {}, { server: 48 })]);
    const ws2 = round('ws-gateway', [cs(200, true), cs(400, true), cs(800, false, {}, { server: 48 })], 2);
    const raw = round('uws-raw', [cs(200, true), cs(400, true), cs(800, true), cs(1600, false, {}, { server: 49 })]);
    const summaries = summarizeCeilings([ws1, raw, ws2]);
    expect(summaries).toEqual([
      { server: 'ws-gateway', ceiling: 400_000, isFloor: false, rounds: 2 },
      { server: 'uws-raw', ceiling: 800_000, isFloor: false, rounds: 1 },
    ]);
    expect(ceilingRatio(summaries)).toEqual({ ratio: 0.5, bound: 'exact' });
    const rawFloor = round('uws-raw', [cs(200, true), cs(400, true), cs(800, false, { loadgenLimited: true })]);
    expect(ceilingRatio(summarizeCeilings([ws2, rawFloor]))).toEqual({ ratio: 1, bound: 'at most' });
    const wsFloor = round('ws-gateway', [cs(200, true), cs(400, false, { loadgenLimited: true })]);
    expect(ceilingRatio(summarizeCeilings([wsFloor, raw]))).toEqual({ ratio: 0.25, bound: 'at least' });
    expect(ceilingRatio(summarizeCeilings([wsFloor]))).toEqual({ ratio: null, bound: 'unknown' });
  });
});
