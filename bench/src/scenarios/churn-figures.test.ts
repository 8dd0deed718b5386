import { describe, expect, it } from 'vitest';
import type { ReconnectReport } from '../loadgen/held.js';
import { emptyCounters, LatencyHistogram } from '../loadgen/stats.js';
import { churnFailure, listenOverflows, mergeHeld, notBack, reconnectFigures, stormCpu } from './churn-figures.js';

const histogram = (...ms: number[]) => {
  const h = new LatencyHistogram();
  for (const v of ms) h.record(v);
  return h.toData();
};

const worker = (over: Partial<ReconnectReport>): ReconnectReport => ({
  attempted: 0, opened: 0, failed: 0, firstAttemptAt: 0, lastOpenAt: 0, lastFirstAt: 0, open: histogram(), first: histogram(), firstTypes: {}, errors: {}, earlyCloses: 0, ...over,
});

describe('reconnectFigures', () => {
  it('times the storm from the earliest attempt of any worker to the latest open', () => {
    const f = reconnectFigures([
      worker({ attempted: 2, opened: 2, firstAttemptAt: 1000, lastOpenAt: 1300, lastFirstAt: 1400, open: histogram(100, 300), first: histogram(200, 400), firstTypes: { resumed: 2 } }),
      worker({ attempted: 2, opened: 2, firstAttemptAt: 1100, lastOpenAt: 1500, lastFirstAt: 1600, open: histogram(50, 400), first: histogram(60, 500), firstTypes: { resumed: 1, snapshot: 1 } }),
    ]);
    expect(f).toMatchObject({ attempted: 4, opened: 4, failed: 0, openSpanMs: 500, firstSpanMs: 600, connectsPerSec: 8, firstTypes: { resumed: 3, snapshot: 1 } });
    expect(f.open.count).toBe(4);
    expect(f.open.max).toBe(400);
    expect(f.first.max).toBe(500);
  });

  it('keeps the first failure and counts no rate without an open', () => {
    const f = reconnectFigures([
      worker({ attempted: 3, failed: 3, firstAttemptAt: 10, firstError: 'connect timeout', errors: { 'connect timeout': 2, 'read ECONNRESET': 1 } }),
      worker({ firstError: 'later', errors: { 'read ECONNRESET': 4 } }),
    ]);
    expect(f).toMatchObject({ opened: 0, failed: 3, connectsPerSec: 0, openSpanMs: 0, firstError: 'connect timeout', errors: { 'connect timeout': 2, 'read ECONNRESET': 5 } });
  });

  it('sums the clients closed right after their 101 and reconnected, and says nothing when there were none', () => {
    expect(reconnectFigures([worker({ earlyCloses: 1 }), worker({ earlyCloses: 2 })]).earlyCloses).toBe(3);
    expect(reconnectFigures([worker({}), worker({})])).not.toHaveProperty('earlyCloses');
  });

  it('ignores a worker that held no client when finding the first attempt', () => {
    const f = reconnectFigures([worker({}), worker({ attempted: 1, opened: 1, firstAttemptAt: 5000, lastOpenAt: 5250 })]);
    expect(f.openSpanMs).toBe(250);
    expect(f.connectsPerSec).toBe(4);
  });
});

describe('mergeHeld', () => {
  it('sums the workers', () => {
    const a = { clients: 2, open: 1, behind: 3, silent: 0, withoutId: 1, counters: { ...emptyCounters(), events: 5, lost: 1 } };
    const b = { clients: 3, open: 3, behind: 0, silent: 2, withoutId: 0, counters: { ...emptyCounters(), events: 7, reordered: 2 } };
    expect(mergeHeld([a, b])).toEqual({ clients: 5, open: 4, behind: 3, silent: 2, withoutId: 1, counters: { ...emptyCounters(), events: 12, lost: 1, reordered: 2 } });
  });
});

describe('churnFailure', () => {
  const ok = reconnectFigures([worker({ attempted: 10, opened: 10, firstAttemptAt: 1, lastOpenAt: 2, lastFirstAt: 3, firstTypes: { resumed: 10 } })]);
  const run = { clients: 10, reconnect: ok, lost: 0, reordered: 0, undelivered: 0, snapshots: 0 };

  it('passes every client resumed with nothing lost', () => {
    expect(churnFailure(run, true)).toBeUndefined();
  });

  it('fails a lost, repeated or owed event, a snapshot, a client back without resumed', () => {
    expect(churnFailure({ ...run, lost: 2 }, true)).toBe('2 events lost');
    expect(churnFailure({ ...run, reordered: 1 }, true)).toBe('1 events duplicated or reordered');
    expect(churnFailure({ ...run, undelivered: 3 }, true)).toBe('3 events still owed after the drain');
    expect(churnFailure({ ...run, snapshots: 1, reconnect: { ...ok, firstTypes: { resumed: 9, snapshot: 1 } } }, true)).toBe('1 clients got a snapshot instead of resumed');
    expect(churnFailure({ ...run, reconnect: { ...ok, firstTypes: { resumed: 9, error: 1 } } }, true)).toBe('9 of the 10 clients back resumed');
  });

  it('counts clients not back as a figure with its reasons, not a failure', () => {
    const partly = { ...run, reconnect: { ...ok, opened: 8, failed: 2, errors: { 'read ECONNRESET': 2 }, firstTypes: { resumed: 8 } } };
    expect(churnFailure(partly, true)).toBeUndefined();
    expect(notBack(partly)).toBe('2 of 10 clients not back (read ECONNRESET 2)');
    expect(notBack({ ...run, clients: 11 })).toBe('1 of 11 clients not back');
    expect(notBack(run)).toBeUndefined();
  });

  it('asks a raw peer only to take every client back', () => {
    expect(churnFailure({ ...run, lost: 5, reconnect: { ...ok, firstTypes: {} } }, false)).toBeUndefined();
  });
});

describe('stormCpu', () => {
  it('turns percent of a core over the storm into CPU ms, and per client into µs', () => {
    const usage = { cores: [40, 95], procs: { 10: 50, 20: 30, 21: 20 }, procsSys: {} };
    expect(stormCpu(usage, 2000, 10, [20, 21], 1, 4000)).toEqual({
      elapsedMs: 2000, serverMs: 1000, loadgenMs: 1000, serverUsPerClient: 250, loadgenCorePct: 95, loadgenLimited: true,
    });
    expect(stormCpu(usage, 2000, 10, [20], 0, 0)).toMatchObject({ loadgenMs: 600, serverUsPerClient: 0, loadgenLimited: false });
  });
});

describe('listenOverflows', () => {
  it('reads the TcpExt counter by its name', () => {
    const text = 'TcpExt: SyncookiesSent ListenOverflows ListenDrops\nTcpExt: 0 6163 6170\nIpExt: InNoRoutes\nIpExt: 0\n';
    expect(listenOverflows(text)).toBe(6163);
    expect(listenOverflows('IpExt: InNoRoutes\nIpExt: 0\n')).toBeUndefined();
  });
});
