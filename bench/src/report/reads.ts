// The reads scenario's figures: the dish service against the bare express + ioredis peer, per route and history.
import { formatRate } from '../format.js';
import type { ReadEndpoint, ReadsResult, ReadsStep } from '../results.js';
import type { Table } from './table.js';

/** The dish service's reads are to run at least at half the rate of a handler doing one GET. */
export const READS_TARGET = 0.5;

export interface ReadsComparison {
  endpoint: ReadEndpoint;
  buckets: number;
  dish: ReadsStep;
  bare: ReadsStep;
  /** dish req/s ÷ bare req/s. */
  ratio: number | null;
  met: boolean | null;
  /** The same per second of each server's own CPU: the ratio of their costs per request, steadier on a shared machine. */
  cpuRatio: number | null;
}

const divide = (a: number | null, b: number | null) => (a !== null && b ? Math.round((a / b) * 100) / 100 : null);

export function compareReads(reads: ReadsResult | undefined): ReadsComparison[] {
  const out: ReadsComparison[] = [];
  for (const dish of reads?.steps.filter((s) => s.server === 'dish') ?? []) {
    const bare = reads?.steps.find((s) => s.server === 'bare' && s.endpoint === dish.endpoint && s.buckets === dish.buckets);
    if (!bare) continue;
    const ratio = divide(dish.reqPerSec, bare.reqPerSec);
    out.push({
      endpoint: dish.endpoint, buckets: dish.buckets, dish, bare, ratio, met: ratio === null ? null : ratio >= READS_TARGET,
      cpuRatio: divide(dish.reqPerCpuSecond, bare.reqPerCpuSecond),
    });
  }
  return out;
}

/** The lowest ratio, and whether every route met the target at every history: unknown while a route was not measured. */
export function readsVerdict(reads: ReadsResult | undefined): { worst: number | null; met: boolean | null } {
  const compared = compareReads(reads);
  const ratios = compared.map((c) => c.ratio).filter((r) => r !== null);
  const worst = ratios.length ? Math.min(...ratios) : null;
  if (compared.some((c) => c.met === false)) return { worst, met: false };
  if (!reads || reads.status !== 'ok' || reads.missing.length > 0 || compared.length === 0 || compared.some((c) => c.met === null)) return { worst, met: null };
  return { worst, met: true };
}

/** Why a step's answers do not count: non-2xx answers or requests without one. */
export function readsErrors(reads: ReadsResult | undefined): string[] {
  return (reads?.steps ?? [])
    .filter((s) => s.non2xx > 0 || s.errors > 0)
    .map((s) => {
      const statuses = Object.entries(s.statuses).filter(([code]) => !code.startsWith('2')).map(([code, n]) => `${code} ×${n}`);
      const what = [s.non2xx ? `${s.non2xx} non-2xx (${statuses.join(', ')})` : '', s.errors ? `${s.errors} without answer (${s.firstError ?? '?'})` : ''];
      return `reads: GET ${s.path} (${s.server}, ${historyLabel(s.buckets)}): ${what.filter(Boolean).join(', ')}`;
    });
}

export function historyLabel(buckets: number): string {
  return buckets === 0 ? 'no sales history' : `${buckets.toLocaleString('en-US')} sales buckets`;
}

const calls = (s: ReadsStep) => {
  const top = Object.entries(s.redisCalls).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([c, n]) => `${c} ${n}`);
  return `${s.redisCallsPerRequest}${top.length ? ` (${top.join(', ')})` : ''}`;
};

const flags = (s: ReadsStep) => {
  const found = [s.loadgenLimited ? 'loadgen-limited' : '', s.contended ? 'server core contended' : ''].filter(Boolean);
  return found.length ? `${s.server}: ${found.join(', ')}` : '';
};

/** One row per route × history: both servers side by side, the ratio and the dish service's Redis work. */
export function readsTable(reads: ReadsResult): Table {
  const rows = compareReads(reads).map((c) => [
    `GET /api/${c.endpoint}`,
    historyLabel(c.buckets),
    formatRate(c.dish.reqPerSec),
    formatRate(c.bare.reqPerSec),
    c.ratio === null ? '—' : `${c.ratio}×`,
    c.met === null ? 'n/a' : c.met ? 'yes' : 'no',
    c.cpuRatio === null ? '—' : `${c.cpuRatio}×`,
    `${c.dish.latency.p50} / ${c.dish.latency.p99}`,
    `${c.bare.latency.p50} / ${c.bare.latency.p99}`,
    `${c.dish.non2xx + c.dish.errors} / ${c.bare.non2xx + c.bare.errors}`,
    calls(c.dish),
    calls(c.bare),
    `${(c.dish.bodyBytes / 1024).toFixed(1)} KB`,
    [flags(c.dish), flags(c.bare)].filter(Boolean).join('; '),
  ]);
  for (const m of reads.missing) rows.push([`GET /api/${m.endpoint}`, historyLabel(m.buckets), `not served: ${m.reason}`, '', '', 'n/a', '', '', '', '', '', '', '', '']);
  return {
    head: ['route', 'history', 'dish req/s', 'bare req/s', 'dish / bare', `≥ ${READS_TARGET}×`, 'dish / bare per CPU-second', 'dish p50 / p99 ms', 'bare p50 / p99 ms', 'non-2xx or none, dish / bare', 'dish Redis calls/req', 'bare Redis calls/req', 'body', 'notes'],
    rows,
  };
}
