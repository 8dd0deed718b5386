// The churn scenario's figures from the load generator workers' reports: one reconnect storm merged, and what a
// Dish Live gateway's clients must end with (every event exactly once, in order).
import type { CpuUsage } from '../cpu.js';
import type { HeldReport, ReconnectReport } from '../loadgen/held.js';
import { addCounters, emptyCounters, LatencyHistogram, summarize } from '../loadgen/stats.js';
import type { ChurnResult, ReconnectFigures, StormCpu } from '../results.js';

/** The workers' reconnects as one: counts summed, spans from the earliest attempt to the latest open / first message. */
export function reconnectFigures(reports: readonly ReconnectReport[]): ReconnectFigures {
  const open = new LatencyHistogram();
  const first = new LatencyHistogram();
  const firstTypes: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let attempted = 0;
  let opened = 0;
  let failed = 0;
  let earlyCloses = 0;
  let firstError: string | undefined;
  let firstAttemptAt = Infinity;
  let lastOpenAt = 0;
  let lastFirstAt = 0;
  for (const r of reports) {
    attempted += r.attempted;
    opened += r.opened;
    failed += r.failed;
    earlyCloses += r.earlyCloses;
    firstError ??= r.firstError;
    if (r.attempted > 0) firstAttemptAt = Math.min(firstAttemptAt, r.firstAttemptAt);
    lastOpenAt = Math.max(lastOpenAt, r.lastOpenAt);
    lastFirstAt = Math.max(lastFirstAt, r.lastFirstAt);
    open.merge(r.open);
    first.merge(r.first);
    for (const [type, n] of Object.entries(r.firstTypes)) firstTypes[type] = (firstTypes[type] ?? 0) + n;
    for (const [reason, n] of Object.entries(r.errors)) errors[reason] = (errors[reason] ?? 0) + n;
  }
  const span = (at: number) => (at > 0 && Number.isFinite(firstAttemptAt) ? Math.max(0, at - firstAttemptAt) : 0);
  const openSpanMs = span(lastOpenAt);
  return {
    attempted, opened, failed, ...(firstError !== undefined ? { firstError } : {}),
    // A storm that opened in under a millisecond is not timed to better than one.
    connectsPerSec: opened > 0 ? Math.round(opened / (Math.max(1, openSpanMs) / 1000)) : 0,
    openSpanMs: Math.round(openSpanMs), firstSpanMs: Math.round(span(lastFirstAt)),
    open: summarize(open), first: summarize(first), firstTypes, errors, ...(earlyCloses > 0 ? { earlyCloses } : {}),
  };
}

/** The workers' held clients as one. */
export function mergeHeld(reports: readonly HeldReport[]): HeldReport {
  const out: HeldReport = { clients: 0, open: 0, behind: 0, silent: 0, withoutId: 0, counters: emptyCounters() };
  for (const r of reports) {
    out.clients += r.clients;
    out.open += r.open;
    out.behind += r.behind;
    out.silent += r.silent;
    out.withoutId += r.withoutId;
    addCounters(out.counters, r.counters);
  }
  return out;
}

/**
 * Clients the storm did not take back within the load generator's open timeout, with the reasons, or undefined. A
 * capacity figure like a throughput, not a correctness failure: a real client retries with its jittered backoff.
 */
export function notBack(r: Pick<ChurnResult, 'clients' | 'reconnect'>): string | undefined {
  const c = r.reconnect;
  if (!c || (c.opened >= r.clients && c.failed === 0)) return undefined;
  const why = Object.entries(c.errors).map(([reason, n]) => `${reason} ${n}`).join(', ');
  return `${r.clients - c.opened} of ${r.clients} clients not back${why ? ` (${why})` : ''}`;
}

/**
 * Why a Dish Live gateway's churn broke the wire contract, or undefined: every client that came back resumed (no
 * snapshot) and ended with every event exactly once, in order. A raw server has no contract beyond the accept.
 */
export function churnFailure(r: Pick<ChurnResult, 'reconnect' | 'lost' | 'reordered' | 'undelivered' | 'snapshots'>, dishLive: boolean): string | undefined {
  const c = r.reconnect;
  if (!c) return 'no reconnect measured';
  if (!dishLive) return undefined;
  if (r.lost > 0) return `${r.lost} events lost`;
  if (r.reordered > 0) return `${r.reordered} events duplicated or reordered`;
  if (r.undelivered > 0) return `${r.undelivered} events still owed after the drain`;
  if (r.snapshots > 0) return `${r.snapshots} clients got a snapshot instead of resumed`;
  const resumed = c.firstTypes.resumed ?? 0;
  if (resumed < c.opened) return `${resumed} of the ${c.opened} clients back resumed`;
  return undefined;
}

/** The storm's CPU from one /proc reading each side of it (percent of a core over `elapsedMs`) as CPU ms. */
export function stormCpu(usage: CpuUsage, elapsedMs: number, serverPid: number, loadgenPids: readonly number[], loadgenCore: number, clients: number): StormCpu {
  const cpuMs = (pids: readonly number[]) => Math.round(pids.reduce((s, p) => s + (usage.procs[p] ?? 0), 0) * elapsedMs) / 100;
  const serverMs = cpuMs([serverPid]);
  const loadgenCorePct = usage.cores[loadgenCore] ?? 0;
  return {
    elapsedMs: Math.round(elapsedMs), serverMs, loadgenMs: cpuMs(loadgenPids),
    serverUsPerClient: clients > 0 ? Math.round((serverMs * 1000) / clients) : 0,
    loadgenCorePct, loadgenLimited: loadgenCorePct > 90,
  };
}

/**
 * TcpExt `ListenOverflows` from /proc/net/netstat's text: connects the kernel dropped at a full accept queue (the
 * client's SYN retransmit, a second later, then gets in). Undefined when the counter is absent.
 */
export function listenOverflows(netstat: string): number | undefined {
  const lines = netstat.split('\n').filter((l) => l.startsWith('TcpExt:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const i = names.indexOf('ListenOverflows');
  return i > 0 && values[i] !== undefined ? Number(values[i]) : undefined;
}
