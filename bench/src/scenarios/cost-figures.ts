// The cost and ceiling scenarios' figures: CPU-seconds per million deliveries, writes per delivery, kept-up rules, ceilings and ratios.
import type { Status, StepResult } from '../results.js';
import type { ProcUsage } from '../proc-usage.js';
import type { Throttling } from '../cgroup.js';
import { SERVERS, type ServerName } from '../servers.js';

/** The latency bound of "kept up" here: a fixed-rate cost figure is about work, not the fan-out's 100 ms p99. */
export const KEPT_UP_P99_MS = 1000;

/** Everything delivered in order and on time enough: the step's rate was really carried, so its cost is the rate's. */
export function keptUp(s: StepResult): boolean {
  return (
    s.lost === 0 && s.reordered === 0 && s.ended === 0 && s.behind === 0 && s.conflated === 0 &&
    s.delivered >= 0.95 * s.expected && s.publishedRate >= 0.9 * s.rate && s.latency.p99 <= KEPT_UP_P99_MS
  );
}

/** The raw server a peer is compared with: the same transport's ceiling (none for the ceilings themselves). */
export function rawPeer(server: ServerName): ServerName | undefined {
  const raw: ServerName = SERVERS[server].client === 'sse' ? 'http-sse-raw' : 'uws-raw';
  return raw === server ? undefined : raw;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/** `value` per million deliveries (3 decimals); null without deliveries or without the value (an unreadable /proc file). */
export function perMillion(value: number, deliveries: number): number | null {
  return deliveries > 0 && Number.isFinite(value) ? round((value * 1e6) / deliveries, 3) : null;
}

/** One server at one fixed rate. */
export interface CostStep {
  /** Events/s published, to `clients` clients: rate × clients deliveries/s asked for. */
  rate: number;
  clients: number;
  targetDeliveriesPerSec: number;
  step: StepResult;
  /** The server process's own time over the step and its drain, and its write syscalls (null where perf cannot count them). */
  usage: ProcUsage;
  writes: number | null;
  /** CPU-seconds per million deliveries: user, kernel, both. */
  userPerM: number | null;
  sysPerM: number | null;
  cpuPerM: number | null;
  /** Write syscalls per delivery, and its inverse: how many messages one write carries. */
  writesPerDelivery: number | null;
  deliveriesPerWrite: number | null;
  keptUp: boolean;
  /** Why the figure is not the rate's clean cost: not kept up, the load generator's core saturated, the server's core shared. */
  flags: string[];
}

export function costStep(step: StepResult, usage: ProcUsage, writes: number | null): CostStep {
  const d = step.delivered;
  const flags = [
    keptUp(step) ? '' : `not kept up (${step.verdict})`,
    step.loadgenLimited ? 'loadgen-limited' : '',
    step.contended ? 'server core contended' : '',
  ].filter(Boolean);
  return {
    rate: step.rate, clients: step.clients, targetDeliveriesPerSec: step.rate * step.clients, step, usage, writes,
    userPerM: perMillion(usage.userSec, d),
    sysPerM: perMillion(usage.sysSec, d),
    cpuPerM: perMillion(usage.userSec + usage.sysSec, d),
    writesPerDelivery: writes !== null && d > 0 ? round(writes / d, 4) : null,
    deliveriesPerWrite: writes ? round(d / writes, 1) : null,
    keptUp: keptUp(step),
    flags,
  };
}

export interface CostResult {
  server: ServerName;
  status: Status;
  reason?: string;
  clients: number;
  steps: CostStep[];
  /** Rates not run because a lower one was not kept up. */
  skippedRates: number[];
  lost: number;
  reordered: number;
  /** Deliveries still owed after the final drain: lost, unless `undeliveredIsLate`. */
  undelivered: number;
  /** A peer that fell behind a rate still owed its backlog when the drain ended: late, not lost (as in the slow scenario). */
  undeliveredIsLate: boolean;
}

/**
 * Gaps are always loss. What is still owed after the final drain is loss for a Dish Live gateway, and for any server
 * that kept up with every rate it ran (it had nothing left to send); a naive peer that fell behind (Socket.IO at
 * 200k deliveries/s) owes minutes of backlog, which is late.
 */
export function costLoss(r: Pick<CostResult, 'steps' | 'undelivered'>, dishLive: boolean): { lost: number; reordered: number; undeliveredIsLate: boolean } {
  const late = !dishLive && r.undelivered > 0 && r.steps.some((s) => !s.keptUp);
  return {
    lost: r.steps.reduce((n, s) => n + s.step.lost, 0) + (late ? 0 : r.undelivered),
    reordered: r.steps.reduce((n, s) => n + s.step.reordered, 0),
    undeliveredIsLate: late,
  };
}

/** A server's CPU per million deliveries over its raw peer's at the same rate; `flagged` unless both kept up with it. */
export interface CostComparison {
  server: ServerName;
  raw: ServerName;
  rate: number;
  targetDeliveriesPerSec: number;
  cpuPerM: number | null;
  rawCpuPerM: number | null;
  ratio: number | null;
  sysRatio: number | null;
  /** One of the two did not keep up with the rate (or the peer did not run it): the ratio is not the rate's clean cost. */
  flagged: boolean;
  writesPerDelivery: number | null;
  rawWritesPerDelivery: number | null;
}

export function compareCost(results: CostResult[]): CostComparison[] {
  const out: CostComparison[] = [];
  for (const r of results) {
    const raw = rawPeer(r.server);
    const peer = raw && results.find((x) => x.server === raw);
    if (!raw || !peer) continue;
    for (const s of r.steps) {
      const p = peer.steps.find((x) => x.rate === s.rate && x.clients === s.clients);
      const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? round(a / b, 2) : null);
      out.push({
        server: r.server, raw, rate: s.rate, targetDeliveriesPerSec: s.targetDeliveriesPerSec,
        cpuPerM: s.cpuPerM, rawCpuPerM: p?.cpuPerM ?? null, ratio: ratio(s.cpuPerM, p?.cpuPerM), sysRatio: ratio(s.sysPerM, p?.sysPerM),
        flagged: !(s.keptUp && p?.keptUp === true),
        writesPerDelivery: s.writesPerDelivery, rawWritesPerDelivery: p?.writesPerDelivery ?? null,
      });
    }
  }
  return out;
}

/** What ended a ceiling round's stepping; anything but `server` makes its ceiling a floor. */
export type CeilingStop = 'server' | 'loadgen' | 'publisher' | 'grid';

export interface CeilingStep {
  step: StepResult;
  keptUp: boolean;
  /** How often the budget's quota ran out in the step (none without a budget). */
  throttling?: Throttling;
}

export interface CeilingRound {
  server: ServerName;
  round: number;
  status: Status;
  reason?: string;
  /** Cores the server was held to (cgroup CFS quota); null when it ran unbudgeted (no cgroup here). */
  budgetCores: number | null;
  steps: CeilingStep[];
  /** Highest deliveries/s of a step kept up with; null when none was, or anything was lost or reordered. */
  ceiling: number | null;
  stoppedBy: CeilingStop;
  isFloor: boolean;
  lost: number;
  reordered: number;
  undelivered: number;
}

/**
 * Why the first step not kept up was not. The server, whatever else fell short, when its quota ran out in at least
 * half the step's periods (its CPU share over the step and its drain understates a budget used up while publishing)
 * or it used ≥ 90 % of its budget (of a core, unbudgeted); then a saturated load generator core, then a publisher
 * short of the rate; otherwise the server.
 */
export function ceilingStop(steps: CeilingStep[], budgetCores: number | null): CeilingStop {
  const first = steps.find((s) => !s.keptUp);
  if (!first) return 'grid';
  const s = first.step;
  const t = first.throttling;
  if ((t && t.periods > 0 && t.throttled >= t.periods / 2) || s.cpu.server >= 90 * (budgetCores ?? 1)) return 'server';
  if (s.loadgenLimited) return 'loadgen';
  if (s.publishedRate < 0.9 * s.rate) return 'publisher';
  return 'server';
}

/** Fills a round's ceiling, what stopped it and whether the ceiling is only a floor. */
export function finishCeiling(r: CeilingRound): CeilingRound {
  const lost = r.steps.reduce((n, s) => n + s.step.lost, 0) + r.undelivered;
  const reordered = r.steps.reduce((n, s) => n + s.step.reordered, 0);
  const kept = r.steps.filter((s) => s.keptUp).map((s) => s.step.deliveriesPerSec);
  const stoppedBy = ceilingStop(r.steps, r.budgetCores);
  return {
    ...r, lost, reordered,
    ceiling: lost === 0 && reordered === 0 && kept.length ? Math.max(...kept) : null,
    stoppedBy,
    // Unbudgeted, a 'server' stop is still the server's whole core against a shared load generator core: kept, but flagged by budgetCores null.
    isFloor: stoppedBy !== 'server',
  };
}

export interface CeilingSummary {
  server: ServerName;
  /** The best round's ceiling (rounds alternate between servers; a shared machine only ever lowers a figure). */
  ceiling: number | null;
  isFloor: boolean;
  rounds: number;
}

export function summarizeCeilings(rounds: CeilingRound[]): CeilingSummary[] {
  const servers = [...new Set(rounds.map((r) => r.server))];
  return servers.map((server) => {
    const own = rounds.filter((r) => r.server === server);
    const best = own.filter((r) => r.ceiling !== null).sort((a, b) => b.ceiling! - a.ceiling!)[0];
    return { server, ceiling: best?.ceiling ?? null, isFloor: best ? best.isFloor : true, rounds: own.length };
  });
}

/** ws-gateway's ceiling over raw uWS's; `bound` says what a floor on either side makes of it. */
export function ceilingRatio(summaries: CeilingSummary[]): { ratio: number | null; bound: 'exact' | 'at least' | 'at most' | 'unknown' } {
  const ws = summaries.find((s) => s.server === 'ws-gateway');
  const raw = summaries.find((s) => s.server === 'uws-raw');
  if (!ws?.ceiling || !raw?.ceiling) return { ratio: null, bound: 'unknown' };
  const ratio = round(ws.ceiling / raw.ceiling, 2);
  const bound = ws.isFloor ? (raw.isFloor ? 'unknown' : 'at least') : raw.isFloor ? 'at most' : 'exact';
  return { ratio, bound };
}
