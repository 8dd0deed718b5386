import { describe, expect, it } from 'vitest';
import type { ChurnResult, ReconnectFigures, RunResult } from '../results.js';
import type { ServerName } from '../servers.js';
import { churnSummaryRows, churnTable } from './churn.js';
import { failures, summarizeRun } from './summary.js';

const latency = (p50: number, p99: number) => ({ count: 10, p50, p90: p99, p99, p999: p99, max: p99 + 1, mean: p50 });

const figures = (over: Partial<ReconnectFigures> = {}): ReconnectFigures => ({
  attempted: 10, opened: 10, failed: 0, connectsPerSec: 2500, openSpanMs: 4, firstSpanMs: 9, open: latency(1, 3), first: latency(5, 8),
  firstTypes: { resumed: 10 }, errors: {}, ...over,
});

const churn = (server: ServerName, over: Partial<ChurnResult> = {}): ChurnResult => ({
  server, description: '', status: 'ok', clients: 10, events: { before: 20, down: 20, after: 20 }, restartMs: 900,
  reconnect: figures(), cpu: { elapsedMs: 10, serverMs: 5, loadgenMs: 8, serverUsPerClient: 500, loadgenCorePct: 95, loadgenLimited: true }, lost: 0, reordered: 0, undelivered: 0, snapshots: 0, ...over,
});

function run(results: ChurnResult[]): RunResult {
  const base: Omit<RunResult, 'summary'> = {
    startedAt: '', finishedAt: '', quick: true, options: {}, machine: {}, versions: {}, fanout: [], memory: [], slow: [], churn: results,
  };
  return { ...base, summary: summarizeRun(base) };
}

describe('churnTable', () => {
  it('shows resume figures for a gateway and the accept alone for a raw server', () => {
    const t = churnTable([churn('ws-gateway'), churn('uws-raw', { reconnect: figures({ firstTypes: {}, first: latency(0, 0) }) })]);
    expect(t.rows[0]).toEqual(['ws-gateway', '10 / 10', '2.5k', '4', '—', '1 / 3 / 4', '5 / 8 / 9 (all in 9)', 'resumed 10', '0 / 0 / 0', '500 (95% ⚠ loadgen-limited)', '900']);
    expect(t.rows[1]!.slice(6, 9)).toEqual(['—', '—', '—']);
    expect(churnTable([churn('uws-raw', { reconnect: figures({ listenOverflows: 1200 }) })]).rows[0]![4]).toBe('1200');
    expect(t.head).toHaveLength(t.rows[0]!.length);
  });

  it('says why a run has no figures', () => {
    const [row] = churnTable([churn('sse-gateway', { status: 'failed', reason: 'before the kill: 3 events owed\nmore', reconnect: undefined })]).rows;
    expect(row!.at(-1)).toBe('failed: before the kill: 3 events owed');
    const [partly] = churnTable([churn('sse-gateway', { reconnect: figures({ opened: 7, failed: 3, errors: { 'connect timeout': 3 } }) })]).rows;
    expect(partly!.at(-1)).toBe('900; 3 of 10 clients not back (connect timeout 3)');
  });
});

describe('churnSummaryRows', () => {
  it('puts each gateway beside its raw ceiling, when both ran', () => {
    const rows = churnSummaryRows([
      churn('ws-gateway'), churn('uws-raw', { reconnect: figures({ connectsPerSec: 5000 }) }), churn('sse-gateway', { reconnect: figures({ opened: 9, failed: 1 }) }),
    ]);
    expect(rows).toHaveLength(2);
    expect(rows[0]![1]).toBe('2.5k connects/s, resumed p50 5 / p99 8 ms (uws-raw: 5.0k/s, open p99 3 ms)');
    expect(rows[0]![3]).toBe('yes');
    expect(rows[1]![1]).not.toContain('http-sse-raw');
    expect(rows[1]![3]).toBe('no');
    expect(churnSummaryRows(undefined)).toEqual([]);
  });
});

describe('churn in the run summary', () => {
  it('counts a gateway client\'s lost, owed and repeated events and fails the run on them', () => {
    const r = run([churn('ws-gateway', { status: 'failed', reason: '2 events lost', lost: 2, undelivered: 1, reordered: 3 })]);
    expect(r.summary).toMatchObject({ lost: 3, reordered: 3 });
    expect(failures(r)).toContain('churn/ws-gateway: 2 events lost');
  });

  it('lists a crash', () => {
    expect(run([churn('uws-raw', { status: 'crashed', reason: 'uws-raw exited' })]).summary.crashes).toEqual(['churn/uws-raw: uws-raw exited']);
  });
});
