// What every scenario shares: options, the run's Redis and load generator, progress output, and one measured step.
import { Redis } from 'ioredis';
import { rssBytes } from '@dish-live/test-support';
import { cpuBetween, sampleCpu } from '../cpu.js';
import { formatRate } from '../format.js';
import { emptyCounters, LatencyHistogram, summarize } from '../loadgen/stats.js';
import type { Publisher } from '../publisher.js';
import type { StepResult } from '../results.js';
import type { ServerName } from '../servers.js';
import type { LoadGen, MergedGroup } from '../workers.js';

export interface Options {
  quick: boolean;
  scenarios: ScenarioName[];
  servers: ServerName[];
  workers: number;
  serverCore: number;
  loadgenCore: number;
  fanout: { clients: number; rates: number[]; stepMs: number; drainMs: number; finalDrainMs: number; p99LimitMs: number };
  /** Where the fan-out servers and the load generator write CPU profiles (`--profile`); none when undefined. */
  profileDir?: string;
  memory: { connections: number; settleMs: number };
  e2e: { wsClients: number; sseClients: number; pollers: number; pollIntervalMs: number; rate: number; durationMs: number };
  slow: { clients: number; fraction: number; rate: number; baselineMs: number; slowMs: number; catchUpMs: number; servers: ServerName[] };
  /** HTTP connections kept busy per step, the measured time and warm-up per step, events written before. */
  reads: { connections: number; durationMs: number; warmupMs: number; events: number };
  /** The writes scenario: closed-loop steps of this many keep-alive connections, each server in turn. */
  writes: { connections: number[]; durationMs: number; warmupMs: number };
  restaurants: RestaurantsOptions;
  cluster: ClusterOptions;
  cost: CostOptions;
  ceiling: CeilingOptions;
  churn: ChurnOptions;
}

/** The cost scenario: each server at fixed publish rates (rate × clients deliveries/s), each step long enough to be stable. */
export interface CostOptions {
  clients: number;
  rates: number[];
  stepMs: number;
  drainMs: number;
  finalDrainMs: number;
  servers: ServerName[];
}

/** The ceiling scenario: `servers` in alternating rounds, each held to `budgetCores` (CFS quota per `periodUs`), rates stepped. */
export interface CeilingOptions {
  clients: number;
  rates: number[];
  stepMs: number;
  drainMs: number;
  finalDrainMs: number;
  rounds: number;
  budgetCores: number;
  periodUs: number;
  servers: ServerName[];
}

/** The churn scenario: a server killed under `clients` held clients, restarted on its port, all reconnecting at once. */
export interface ChurnOptions {
  clients: number;
  /** Events per second written before the kill, while the server is down and after the return, each for this long. */
  rate: number;
  phaseMs: number;
  drainMs: number;
  servers: ServerName[];
}

/** The restaurants scenario: many restaurants against one with the same clients and deliveries, churn, memory per view. */
export interface RestaurantsOptions {
  /** The many case: this many restaurants with `clientsPerRestaurant` clients each; the single case: one with all of them. */
  restaurants: number;
  clientsPerRestaurant: number;
  /** Total deliveries/s stepped through (the same in both cases; each case's event rate follows from its fan-out). */
  deliveries: number[];
  stepMs: number;
  drainMs: number;
  finalDrainMs: number;
  /** Restaurants whose clients all leave and come back. */
  churnRestaurants: number;
  /** The two grace periods churn runs with: long (views still live on return) and short (reloaded from Redis). */
  longGraceMs: number;
  shortGraceMs: number;
  /** Restaurants loaded (one client each, then left) for the memory per view, and events written to each ring. */
  memoryRestaurants: number;
  ringEvents: number;
  settleMs: number;
  servers: ServerName[];
}

/**
 * The cluster scenario: the same writes on a 1-primary and a 3-primary Redis Cluster (each primary with its replicas,
 * AOF on), in alternating rounds; then one ws-gateway on each with clients of every restaurant.
 */
export interface ClusterOptions {
  replicasPerPrimary: number;
  /** Restaurants written to, spread evenly over the primaries (their `{r:<rid>}` slots). */
  restaurants: number;
  /** WRITE_MIN_REPLICAS values the writes are measured at, and those the deliveries are. */
  minReplicas: number[];
  deliveryMinReplicas: number[];
  replicaTimeoutMs: number;
  /** Writes in flight, shared over the load generator's workers, and cluster clients per worker. */
  concurrency: number;
  connectionsPerWorker: number;
  /** Rounds per configuration (the two clusters alternate, round by round), each this long after one warm-up. */
  rounds: number;
  roundMs: number;
  warmupMs: number;
  clientsPerRestaurant: number;
  /** The deliveries' write rate: half what the slower cluster sustained, at most this. */
  maxDeliveryRate: number;
  stepMs: number;
  drainMs: number;
  finalDrainMs: number;
}

export const SCENARIOS = ['fanout', 'memory', 'e2e', 'slow', 'reads', 'restaurants', 'cluster', 'history', 'writes', 'cost', 'ceiling', 'churn'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Context {
  options: Options;
  redisUrl: string;
  redisPid: number;
  loadgen: LoadGen;
  /** A line that stays on the terminal. */
  log(line: string): void;
  /** A line that the next one overwrites (live rates). */
  progress(line: string): void;
  /** A fresh key prefix per server run, so every gateway starts from an empty log. */
  prefix(label: string): string;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function connectRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 3 });
}

/**
 * Waits until every open client of `group` has seen `target` (or the time is up); returns the last report. `target`
 * is one sequence number, or one per client path (each restaurant's bench dish has its own).
 */
/** Says how many of a connect's clients reconnected after uWS closed them right after their upgrade (never silent). */
export function noteEarlyCloses(ctx: Context, label: string, c: { earlyCloses: number }): void {
  if (c.earlyCloses > 0) ctx.log(`${label}: ${c.earlyCloses} client(s) closed right after the upgrade, before any frame, and reconnected (uWebSockets.js 20.30)`);
}

export async function drain(ctx: Context, group: string, target: number | Record<string, number>, timeoutMs: number): Promise<MergedGroup | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const report = (await ctx.loadgen.report(target))[group];
    if (!report || (report.behind === 0 && report.silent === 0) || performance.now() > deadline) return report;
    await sleep(50);
  }
}

export interface StepSpec {
  label: string;
  /** The broker publisher, or anything that writes at a rate the same way (the cluster scenario's worker writes). */
  publisher: Pick<Publisher, 'run'>;
  rate: number;
  durationMs: number;
  drainMs: number;
  group: string;
  serverPids: number[];
  p99LimitMs: number;
  /** What each client path is due after the step, when paths follow their own sequences; default: the publisher's last. */
  targets?: () => Record<string, number>;
  /** Clients each event goes to; default: every client of the group. */
  recipientsPerEvent?: number;
}

/** Publishes at one rate for a while, drains, and accounts for every message the group's clients got. */
export async function measureStep(ctx: Context, spec: StepSpec): Promise<StepResult> {
  const before = (await ctx.loadgen.report())[spec.group];
  const clients = before?.open ?? 0;
  await ctx.loadgen.window();
  const pids = [...spec.serverPids, ...ctx.loadgen.pids, ctx.redisPid, process.pid];
  const a = sampleCpu(pids);
  const started = performance.now();
  const startedEpoch = performance.timeOrigin + started;
  let lastEvents = 0;
  let lastAt = started;
  const live = setInterval(() => {
    void ctx.loadgen.report().then((r) => {
      const g = r[spec.group];
      if (!g) return;
      const now = performance.now();
      const rate = ((g.counters.events - lastEvents) / (now - lastAt)) * 1000;
      lastEvents = g.counters.events;
      lastAt = now;
      ctx.progress(`${spec.label}: ${formatRate(rate)} deliveries/s, p99 ${g.latency.percentile(0.99).toFixed(1)} ms, lost ${g.counters.lost}`);
    });
  }, 1000);
  let published;
  try {
    published = await spec.publisher.run(spec.rate, spec.durationMs);
  } finally {
    clearInterval(live);
  }
  const g = await drain(ctx, spec.group, spec.targets?.() ?? published.lastSeq, spec.drainMs);
  // From the first publish to the last delivery (not to the end of the drain's polling), at least the publish time.
  const elapsed = Math.max(spec.durationMs, (g?.lastEventAt ?? 0) - startedEpoch) / 1000;
  const usage = cpuBetween(a, sampleCpu(pids));
  const counters = g?.counters ?? emptyCounters();
  const latency = summarize(g?.latency ?? new LatencyHistogram());
  const behind = g?.behind ?? 0;
  const expected = published.sent * (spec.recipientsPerEvent ?? clients);
  const ended = (g?.ended ?? 0) - (before?.ended ?? 0);
  const sum = (ps: number[], of = usage.procs) => Math.round(ps.reduce((s, p) => s + (of[p] ?? 0), 0) * 10) / 10;
  const loadgenCore = usage.cores[ctx.options.loadgenCore] ?? 0;
  const step: StepResult = {
    rate: spec.rate,
    publishedRate: published.rate,
    published: published.sent,
    clients,
    expected,
    delivered: counters.events,
    bytes: counters.bytes,
    deliveriesPerSec: Math.round(counters.events / elapsed),
    latency,
    lost: counters.lost,
    reordered: counters.reordered,
    conflated: counters.conflated,
    behind,
    ended,
    cpu: {
      server: sum(spec.serverPids),
      loadgen: sum(ctx.loadgen.pids),
      serverSys: sum(spec.serverPids, usage.procsSys),
      loadgenSys: sum(ctx.loadgen.pids, usage.procsSys),
      serverCore: usage.cores[ctx.options.serverCore] ?? 0,
      loadgenCore,
      redis: sum([ctx.redisPid]),
      publisher: sum([process.pid]),
    },
    serverRssBytes: spec.serverPids.reduce((s, p) => s + rssBytes(p), 0),
    loadgenLimited: loadgenCore > 90,
    contended: (usage.cores[ctx.options.serverCore] ?? 0) - sum(spec.serverPids) > 25,
    sustained: false,
    verdict: '',
  };
  step.verdict = verdict(step, spec.p99LimitMs);
  step.sustained = step.verdict === 'ok';
  return step;
}

function verdict(s: StepResult, p99LimitMs: number): string {
  if (s.lost > 0) return `lost ${s.lost}`;
  if (s.reordered > 0) return `reordered ${s.reordered}`;
  if (s.ended > 0) return `${s.ended} clients closed`;
  if (s.behind > 0) return `${s.behind} deliveries still due after the drain`;
  if (s.latency.p99 > p99LimitMs) return `p99 ${s.latency.p99} ms > ${p99LimitMs} ms`;
  if (s.conflated > 0) return `conflated ${s.conflated}`;
  if (s.delivered < 0.95 * s.expected) return `delivered ${Math.round((s.delivered / Math.max(1, s.expected)) * 100)}% of expected`;
  if (s.publishedRate < 0.9 * s.rate) return `publisher reached ${s.publishedRate} ev/s`;
  return 'ok';
}

export function stepLine(label: string, s: StepResult): string {
  return (
    `${label} ${String(s.rate).padStart(5)} ev/s → ${formatRate(s.deliveriesPerSec).padStart(7)} deliveries/s, ` +
    `p50 ${s.latency.p50} p99 ${s.latency.p99} max ${s.latency.max} ms, ` +
    `cpu server ${s.cpu.server}% (sys ${s.cpu.serverSys ?? '?'}) loadgen ${s.cpu.loadgen}% (sys ${s.cpu.loadgenSys ?? '?'}) (cores ${s.cpu.serverCore}%/${s.cpu.loadgenCore}%)` +
    `${s.loadgenLimited ? ' [loadgen-limited]' : ''}${s.contended ? ' [server core contended]' : ''} — ${s.verdict}`
  );
}
