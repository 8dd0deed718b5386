import { describe, expect, it } from 'vitest';
import type { RunResult } from '../results.js';
import {
  ASSUMPTIONS, capacityInputs, carried, eventsByGateways, eventsByShardCpu, gatewayShare, gatewaysNeeded, plan, renderCapacity,
  restaurantsByShardMemory, type Assumptions, type CapacityInputs, type Sourced,
} from './capacity.js';

const sourced = (value: number): Sourced => ({ value, source: 'test', note: '' });

/** Round figures, so the arithmetic can be checked by hand. */
const inputs: CapacityInputs = {
  deliveryUs: sourced(0.5),
  eventUs: sourced(50),
  connectionBytes: sourced(1500),
  restaurantViewBytes: sourced(6000),
  ringEntryBytes: sourced(640),
  primaryUsPerWrite: sourced(100),
  primaryUsPerWriteNoWait: sourced(30),
  replicaUsPerWrite: sourced(40),
  streamEntryBytes: sourced(500),
  writerUsPerWrite: sourced(80),
};

const a: Assumptions = { ...ASSUMPTIONS, eventsPerRestaurant: 1, dashboardsPerRestaurant: 10, utilisation: 0.5, shardMemoryBytes: 10e9, streamMaxLen: 10_000 };

describe('capacity arithmetic', () => {
  it('gives a gateway every restaurant with a dashboard on it: all of them alone, fewer as gateways are added', () => {
    expect(gatewayShare(1, 10, 'spread')).toBe(1);
    expect(gatewayShare(2, 10, 'spread')).toBeCloseTo(1 - 0.5 ** 10);
    // Far more gateways than dashboards per restaurant: about d / N.
    expect(gatewayShare(1000, 10, 'spread')).toBeCloseTo(0.00996, 4);
    expect(gatewayShare(4, 10, 'affinity')).toBe(0.25);
  });

  it('carries on one gateway what half its core pays for: events × (c_e + d × c_d)', () => {
    // 0.5 × 10⁶ µs / (50 + 10 × 0.5) µs per event.
    expect(eventsByGateways(1, inputs, a, 'spread')).toBeCloseTo(500_000 / 55);
    // By restaurant, N gateways carry N times one.
    expect(eventsByGateways(8, inputs, a, 'affinity')).toBeCloseTo((8 * 500_000) / 55);
  });

  it('finds the fewest gateways for a load, and no fewer', () => {
    const events = 100_000;
    for (const routing of ['spread', 'affinity'] as const) {
      const n = gatewaysNeeded(events, inputs, a, routing);
      expect(eventsByGateways(n, inputs, a, routing)).toBeGreaterThanOrEqual(events);
      expect(eventsByGateways(n - 1, inputs, a, routing)).toBeLessThan(events);
    }
    // By restaurant: 100,000 × 55 µs / 0.5 core = 11 cores.
    expect(gatewaysNeeded(events, inputs, a, 'affinity')).toBe(11);
    expect(gatewaysNeeded(0, inputs, a, 'spread')).toBe(0);
  });

  it('bounds shards by CPU per write and by full streams', () => {
    expect(eventsByShardCpu(3, inputs, a)).toBe(15_000);
    // 10 GB / (10,000 × 500 B) = 2,000 restaurants per shard.
    expect(restaurantsByShardMemory(1, inputs, a)).toBe(2000);
  });

  it('carries the least the three bounds allow, and says which', () => {
    const c = carried(64, 1, inputs, a, 'spread');
    expect(c).toMatchObject({ bound: 'shard memory', restaurants: 2000, dashboards: 20_000, events: 2000 });
    const cpu = carried(64, 10, { ...inputs, primaryUsPerWrite: sourced(2000) }, a, 'spread');
    expect(cpu).toMatchObject({ bound: 'shard CPU', restaurants: 2500 });
    expect(carried(1, 48, inputs, a, 'spread').bound).toBe('gateway CPU');
  });

  it('plans a million dashboards: 100,000 restaurants at 100,000 events/s', () => {
    const p = plan(1_000_000, inputs, a);
    expect(p).toMatchObject({ restaurants: 100_000, events: 100_000, deliveries: 1_000_000, gatewaysAffinity: 11 });
    // 100,000 writes × 100 µs = 10 cores of work at 0.5 each: 20 shards; 100,000 / 2,000 restaurants per shard: 50.
    expect([p.shardsByCpu, p.shardsByMemory, p.shards]).toEqual([20, 50, 50]);
    expect(p.replicaCoreShare).toBeCloseTo((2000 * 40) / 1e6);
    expect(p.dishCoresFloor).toBe(16);
    expect(p.gatewaysSpread).toBeGreaterThan(p.gatewaysAffinity);
  });

  it('renders every step of the worked example with the figures it used', () => {
    const doc = renderCapacity(inputs, [{ run: { startedAt: '2026-01-01T00:00:00.000Z', quick: false } as RunResult, file: 'bench/results/x.json' }], a);
    expect(doc).toContain('**100,000 /s**');
    expect(doc).toContain('**50**');
    expect(doc).toMatch(/N = 11\*\*/);
    expect(doc).toContain('`bench/results/x.json`');
    expect(doc).toContain('Redis memory, not CPU, sets the shards (50 against 20)');
    const roomy = renderCapacity(inputs, [], { ...a, shardMemoryBytes: 100e9 });
    expect(roomy).toContain('CPU sets the shards (20, memory 5)');
  });
});

describe('capacity inputs', () => {
  it('names every input no run measured', () => {
    const empty = { startedAt: 'x', fanout: [], memory: [], slow: [] } as unknown as RunResult;
    const { inputs: found, missing } = capacityInputs([{ run: empty, file: 'f' }]);
    expect(found).toBeUndefined();
    expect(missing).toContain('deliveryUs');
    expect(missing).toContain('primaryUsPerWrite');
  });
});
