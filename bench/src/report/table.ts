// Plain-text tables for the terminal (and the Markdown report, which shares the rows).
import type { RunResult } from '../results.js';
import { formatKb as kb, formatRate } from '../format.js';
import { writesSummaryLine } from '../scenarios/writes-figures.js';
import { costSummaryRows } from './cost.js';
import { memoryRatios, memorySummaryRows } from './memory.js';
import { churnSummaryRows } from './churn.js';

export interface Table {
  head: string[];
  rows: string[][];
}

const x = (v: number | null) => (v === null ? '—' : `${v}×`);

export function fanoutTable(run: RunResult): Table {
  return {
    head: ['server', 'max sustained deliveries/s', 'at ev/s', 'p50 ms', 'p99 ms', 'max ms', 'server CPU', 'peak deliveries/s', 'RSS/idle conn', 'lost', 'reordered', 'notes'],
    rows: run.fanout.map((f) => {
      const best = f.steps.filter((s) => s.sustained).sort((a, b) => b.deliveriesPerSec - a.deliveriesPerSec)[0];
      const memory = run.memory.find((m) => m.server === f.server);
      const last = f.steps.at(-1);
      const notes = [
        f.status !== 'ok' ? `${f.status}: ${(f.reason ?? '').split('\n')[0]!.slice(0, 60)}` : '',
        f.steps.some((s) => s.loadgenLimited) ? 'loadgen-limited' : '',
        f.steps.some((s) => s.contended) ? 'server core contended' : '',
        last && !last.sustained ? `stopped: ${last.verdict}` : '',
      ].filter(Boolean);
      return [
        f.server,
        f.maxSustained === null ? '—' : formatRate(f.maxSustained),
        best ? String(best.rate) : '—',
        best ? String(best.latency.p50) : '—',
        best ? String(best.latency.p99) : '—',
        best ? String(best.latency.max) : '—',
        best ? `${best.cpu.server}%` : '—',
        f.peakDeliveries === null ? '—' : formatRate(f.peakDeliveries),
        kb(memory?.bytesPerConn),
        String(f.lost),
        String(f.reordered),
        notes.join('; '),
      ];
    }),
  };
}

export function summaryTable(run: RunResult): Table {
  const s = run.summary;
  const rows: string[][] = [
    ['ws-gateway / Socket.IO', x(s.wsVsSocketIo), s.targets.wsVsSocketIo!.target, met(s.targets.wsVsSocketIo!.met)],
    ['ws-gateway / raw uWS', x(s.wsVsRawUws), s.targets.wsVsRawUws!.target, met(s.targets.wsVsRawUws!.met)],
    ['sse-gateway / express SSE', x(s.sseVsExpress), s.targets.sseVsExpress!.target, met(s.targets.sseVsExpress!.met)],
    ['sse-gateway / raw node:http SSE', x(s.sseVsRawHttp), s.targets.sseVsRawHttp!.target, met(s.targets.sseVsRawHttp!.met)],
    ...memorySummaryRows(s.memoryRatios ?? memoryRatios(run.memory), s.targets, met),
    ['ws-gateway p99 / raw uWS p99 near 200k/s', x(s.wsP99VsRawAt200k), s.targets.wsP99VsRawAt200k!.target, met(s.targets.wsP99VsRawAt200k!.met)],
    ['sse-gateway p99 / raw http p99 near 200k/s', x(s.sseP99VsRawAt200k), s.targets.sseP99VsRawAt200k!.target, met(s.targets.sseP99VsRawAt200k!.met)],
    ...(run.reads && s.targets.readsVsBare
      ? [['dish service reads / bare express + ioredis (lowest)', x(s.readsWorstRatio ?? null), s.targets.readsVsBare.target, met(s.targets.readsVsBare.met)]]
      : []),
    ...(run.writes && s.targets.writesVsBare
      ? [['dish service PATCH / bare express + ioredis (best steps)', writesSummaryLine(run.writes).value, s.targets.writesVsBare.target, met(s.targets.writesVsBare.met)]]
      : []),
    ...(s.targets.restaurantsRatio
      ? [['ws-gateway many restaurants / one restaurant', `${x(s.restaurantsRatio ?? null)}${s.restaurantsRatioIsFloor ? ' (floor)' : ''}`, s.targets.restaurantsRatio.target, met(s.targets.restaurantsRatio.met)]]
      : []),
    ...(s.restaurantsRatioRawUws
      ? [['raw uWS many restaurants / one restaurant (the transport alone)', `${x(s.restaurantsRatioRawUws.ratio)}${s.restaurantsRatioRawUws.isFloor ? ' (floor)' : ''}`, '—', '']]
      : []),
    ...(s.targets.restaurantViewBytes
      ? [['ws-gateway live memory per restaurant view', kb(s.restaurantViewBytes), s.targets.restaurantViewBytes.target, met(s.targets.restaurantViewBytes.met)]]
      : []),
    ...(s.clusterWrites ?? []).map((c) => [
      `Redis Cluster writes/s, 3 primaries / 1 (WRITE_MIN_REPLICAS=${c.minReplicas})`,
      `${x(c.writesRatio)} (${c.writesPerSec.map((w) => (w === null ? '—' : formatRate(w))).join(' → ')}; primaries' CPU µs per write ${c.primaryUsPerWrite.map((u) => u ?? '—').join(' → ')})`,
      '—',
      '',
    ]),
    ...costSummaryRows(run),
    ...churnSummaryRows(run.churn),
    ['lost / reordered', `${s.lost} / ${s.reordered}`, '0 / 0', met(s.lost === 0 && s.reordered === 0)],
    [
      'peers still behind after the stall (late)',
      s.peersBehindAfterStall?.length ? s.peersBehindAfterStall.map((p) => `${p.server} ${formatRate(p.owed)}`).join(', ') : 'none',
      '',
      '',
    ],
    ['loadgen-limited steps', limited(s.loadgenLimitedSteps), '', ''],
    ['steps with the server core contended', String(s.contendedSteps), '0', ''],
  ];
  return { head: ['figure', 'value', 'target', 'met'], rows };
}

function limited(steps: string[]): string {
  if (steps.length === 0) return 'none';
  return steps.length <= 3 ? steps.join(', ') : `${steps.length} steps (${steps.slice(0, 3).join(', ')}, …)`;
}

function met(v: boolean | null): string {
  return v === null ? 'n/a' : v ? 'yes' : 'no';
}

export function renderText(t: Table): string {
  const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(t.head), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}

export function renderMarkdown(t: Table): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| ${t.head.map(esc).join(' | ')} |`, `| ${t.head.map(() => '---').join(' | ')} |`, ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}
