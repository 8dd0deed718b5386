import { describe, expect, it } from 'vitest';
import type { FanoutResult, RestaurantsResult, RunResult } from '../results.js';
import { SCENARIOS, type ScenarioName } from '../scenarios/context.js';
import { carriedLine, carriedNote, carryOver } from './carry-over.js';
import { summarizeRun } from './summary.js';

const restaurants = (server: RestaurantsResult['server'], lost: number): RestaurantsResult => ({
  server, status: 'ok', ratio: 0.1, ratioIsFloor: true, sustainedRatio: null, churn: [], memory: [], viewBytes: 6000, viewWithRingBytes: 12_000, lost, reordered: 0,
});
/** A fan-out that still owed 2 deliveries after its drain: they count as lost in any summary it is part of. */
const fanout: FanoutResult = {
  server: 'ws-gateway', description: '', status: 'ok', clients: 1000, steps: [], maxSustained: null, peakDeliveries: null, lost: 2, reordered: 0, undelivered: 2,
};

function run(startedAt: string, scenarios: readonly ScenarioName[], over: Partial<RunResult> = {}, quick = false): RunResult {
  const base: Omit<RunResult, 'summary'> = {
    startedAt, finishedAt: startedAt, quick, machine: {}, versions: {}, fanout: [], memory: [], slow: [],
    options: { scenarios, restaurants: { restaurants: 1000, startedAt } }, ...over,
  };
  return { ...base, summary: summarizeRun(base) };
}

describe('carrying scenarios over', () => {
  const full = run('2026-12-03T15:00:00.000Z', SCENARIOS, { fanout: [fanout], restaurants: [restaurants('ws-gateway', 1)] });
  const partial = run('2026-12-03T19:00:00.000Z', ['restaurants'], { restaurants: [restaurants('uws-raw', 0)] });

  it('completes a run of some scenarios with the others from the run before, marked, its summary over all', () => {
    const merged = carryOver(full, partial);
    expect(merged.restaurants?.map((r) => r.server)).toEqual(['uws-raw']);
    expect(merged.fanout).toEqual([fanout]);
    expect(merged.startedAt).toBe(partial.startedAt);
    expect((merged.options as { scenarios: string[] }).scenarios).toEqual([...SCENARIOS]);
    // Each scenario's options travel with its results.
    expect((merged.options as { restaurants: { startedAt: string } }).restaurants.startedAt).toBe(partial.startedAt);
    expect(merged.carried).toEqual(Object.fromEntries(SCENARIOS.filter((s) => s !== 'restaurants').map((s) => [s, full.startedAt])));
    // The carried fan-out's 2 lost events count in the picture; the replaced restaurants' 1 does not.
    expect(merged.summary.lost).toBe(2);
    expect(carriedLine(merged)).toBe(`${SCENARIOS.filter((s) => s !== 'restaurants').join(', ')} from the run of ${full.startedAt}`);
    expect(carriedNote(merged)).toMatch(/^This run measured restaurants; the other sections are carried over unchanged: fanout, memory, .* from the run of 2026-12-03T15:00:00.000Z\.$/);
  });

  it('keeps where a section was measured through successive partial runs', () => {
    const again = carryOver(carryOver(full, partial), run('2026-12-03T20:00:00.000Z', ['fanout'], { fanout: [] }));
    expect(again.carried?.restaurants).toBe(partial.startedAt);
    expect(again.carried?.memory).toBe(full.startedAt);
    expect(again.carried?.fanout).toBeUndefined();
  });

  it('leaves a run of every scenario, a first run and a run of the other mode as they are', () => {
    expect(carryOver(partial, full)).toBe(full);
    expect(carryOver(undefined, partial)).toBe(partial);
    expect(carryOver(run('2026-12-03T14:00:00.000Z', SCENARIOS, {}, true), partial)).toBe(partial);
    expect(carriedLine(full)).toBeUndefined();
    expect(carriedNote(full)).toBe('');
  });
});
