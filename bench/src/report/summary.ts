// The run's summary: the headline ratios, correctness totals and the targets they are reported against.
import type { ClusterResult, FanoutResult, RunResult, StepResult, Summary } from '../results.js';
import { SERVERS, type ServerName } from '../servers.js';
import { compareReads, READS_TARGET, readsErrors, readsVerdict } from './reads.js';
import { compareWrites, WRITES_TARGET_RATIO, writesFailures } from '../scenarios/writes-figures.js';
import { memoryRatios, memoryTargets } from './memory.js';
import { RESTAURANT_VIEW_TARGET_BYTES, RESTAURANTS_RATIO_TARGET } from './restaurants.js';
import { compareCost } from '../scenarios/cost-figures.js';

const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a && b ? Math.round((a / b) * 100) / 100 : null;

export const REFERENCE_DELIVERIES = 200_000;

/** The step whose target deliveries/s (rate × clients) is nearest 200k, among rates both servers ran. */
export function referenceSteps(a: FanoutResult | undefined, b: FanoutResult | undefined): [StepResult, StepResult] | undefined {
  if (!a || !b) return undefined;
  let best: [StepResult, StepResult] | undefined;
  let bestDistance = Infinity;
  for (const sa of a.steps) {
    const sb = b.steps.find((s) => s.rate === sa.rate);
    if (!sb || !sa.sustained || !sb.sustained) continue;
    const distance = Math.abs(Math.log((sa.rate * sa.clients) / REFERENCE_DELIVERIES));
    if (distance < bestDistance) {
      bestDistance = distance;
      best = [sa, sb];
    }
  }
  return best;
}

export function summarizeRun(run: Omit<RunResult, 'summary'>): Summary {
  const fanout = (name: ServerName) => run.fanout.find((f) => f.server === name);
  const max = (name: ServerName) => fanout(name)?.maxSustained;
  const bytes = (name: ServerName) => run.memory.find((m) => m.server === name)?.bytesPerConn ?? null;
  const p99Ratio = (gateway: ServerName, raw: ServerName) => {
    const steps = referenceSteps(fanout(gateway), fanout(raw));
    return steps ? ratio(steps[0].latency.p99, steps[1].latency.p99) : null;
  };
  const healthySteps = [...run.fanout.flatMap((f) => f.steps), ...run.slow.flatMap((s) => [s.baseline, s.withSlow].filter((x) => x !== undefined))];
  const restaurants = run.restaurants ?? [];
  const restaurantSteps = restaurants.flatMap((r) => [...(r.single?.steps ?? []), ...(r.many?.steps ?? [])]);
  const wsRestaurants = restaurants.find((r) => r.server === 'ws-gateway');
  const rawRestaurants = restaurants.find((r) => r.server === 'uws-raw');
  const e2e = Object.values(run.e2e?.transports ?? {});
  const cost = run.cost ?? [];
  const ceilingRounds = run.ceiling?.rounds ?? [];
  const costSteps = [...cost.flatMap((c) => c.steps.map((s) => s.step)), ...ceilingRounds.flatMap((r) => r.steps.map((s) => s.step))];
  // Stalled clients may be conflated or closed, but a Dish Live gateway must never leave a gap or reorder for them.
  const stalled = run.slow.filter((r) => SERVERS[r.server].dishLive).map((r) => r.slow ?? { lost: 0, reordered: 0 });
  // A naive peer with stalled clients falls minutes behind its healthy ones too: what it still owes them when the
  // catch-up time ends is late, not a gap, and is reported as its backlog. A Dish Live gateway owing anything is loss.
  const slowOwed = (dishLive: boolean) => run.slow.filter((r) => SERVERS[r.server].dishLive === dishLive && r.undelivered > 0);
  const lost =
    healthySteps.reduce((s, x) => s + x.lost, 0) +
    run.fanout.reduce((s, f) => s + f.undelivered, 0) +
    slowOwed(true).reduce((s, r) => s + r.undelivered, 0) +
    run.memory.reduce((s, m) => s + m.lost, 0) +
    e2e.reduce((s, t) => s + t.lost, 0) +
    stalled.reduce((s, t) => s + t.lost, 0) +
    restaurants.reduce((s, r) => s + r.lost, 0) +
    (run.churn ?? []).reduce((s, r) => s + r.lost + r.undelivered, 0) +
    (run.cluster?.lost ?? 0) +
    [...cost, ...ceilingRounds].reduce((s, r) => s + r.lost, 0);
  const reordered =
    healthySteps.reduce((s, x) => s + x.reordered, 0) +
    run.memory.reduce((s, m) => s + m.reordered, 0) +
    e2e.reduce((s, t) => s + t.reordered, 0) +
    stalled.reduce((s, t) => s + t.reordered, 0) +
    restaurants.reduce((s, r) => s + r.reordered, 0) +
    (run.churn ?? []).reduce((s, r) => s + r.reordered, 0) +
    (run.cluster?.reordered ?? 0) +
    [...cost, ...ceilingRounds].reduce((s, r) => s + r.reordered, 0);
  const loadgenLimitedSteps = [
    ...run.fanout.flatMap((f) => f.steps.filter((s) => s.loadgenLimited).map((s) => `fanout/${f.server}@${s.rate}`)),
    ...run.slow.flatMap((r) => [
      ...(r.baseline?.loadgenLimited ? [`slow/${r.server}@${r.baseline.rate} baseline`] : []),
      ...(r.withSlow?.loadgenLimited ? [`slow/${r.server}@${r.withSlow.rate} stalled`] : []),
    ]),
    ...(run.reads?.steps.filter((s) => s.loadgenLimited).map((s) => `reads/${s.endpoint}@${s.buckets} ${s.server}`) ?? []),
    ...(run.writes?.steps.filter((s) => s.loadgenLimited).map((s) => `writes/${s.server}@${s.connections}`) ?? []),
    ...restaurants.flatMap((r) =>
      (['single', 'many'] as const).flatMap((c) => (r[c]?.steps ?? []).filter((s) => s.loadgenLimited).map((s) => `restaurants/${r.server} ${c}@${s.rate}`)),
    ),
    ...cost.flatMap((c) => c.steps.filter((s) => s.step.loadgenLimited).map((s) => `cost/${c.server}@${s.rate}`)),
    ...ceilingRounds.flatMap((r) => r.steps.filter((s) => s.step.loadgenLimited).map((s) => `ceiling/${r.server}#${r.round}@${s.step.rate}`)),
  ];
  const crashes = [
    ...[...run.fanout, ...run.memory, ...run.slow].filter((r) => r.status === 'crashed').map((r) => `${r.server}: ${r.reason ?? ''}`),
    ...restaurants.filter((r) => r.status === 'crashed').map((r) => `restaurants/${r.server}: ${r.reason ?? ''}`),
    ...(run.churn ?? []).filter((r) => r.status === 'crashed').map((r) => `churn/${r.server}: ${r.reason ?? ''}`),
    ...(run.e2e?.status === 'crashed' ? [`e2e: ${run.e2e.reason ?? ''}`] : []),
    ...(run.reads?.status === 'crashed' ? [`reads: ${run.reads.reason ?? ''}`] : []),
    ...(run.writes?.status === 'crashed' ? [`writes: ${run.writes.reason ?? ''}`] : []),
    ...(run.cluster?.status === 'crashed' ? [`cluster: ${run.cluster.reason ?? ''}`] : []),
    ...cost.filter((r) => r.status === 'crashed').map((r) => `cost/${r.server}: ${r.reason ?? ''}`),
    ...ceilingRounds.filter((r) => r.status === 'crashed').map((r) => `ceiling/${r.server}#${r.round}: ${r.reason ?? ''}`),
  ];
  const reads = readsVerdict(run.reads);
  const summary: Omit<Summary, 'targets'> = {
    wsVsSocketIo: ratio(max('ws-gateway'), max('socketio')),
    wsVsRawUws: ratio(max('ws-gateway'), max('uws-raw')),
    sseVsExpress: ratio(max('sse-gateway'), max('express-sse')),
    sseVsRawHttp: ratio(max('sse-gateway'), max('http-sse-raw')),
    wsBytesPerConn: bytes('ws-gateway'),
    sseBytesPerConn: bytes('sse-gateway'),
    memoryRatios: memoryRatios(run.memory),
    wsP99VsRawAt200k: p99Ratio('ws-gateway', 'uws-raw'),
    sseP99VsRawAt200k: p99Ratio('sse-gateway', 'http-sse-raw'),
    readsWorstRatio: reads.worst,
    reads: compareReads(run.reads).map((c) => ({
      endpoint: c.endpoint, buckets: c.buckets, dishReqPerSec: c.dish.reqPerSec, bareReqPerSec: c.bare.reqPerSec, ratio: c.ratio, met: c.met,
      cpuRatio: c.cpuRatio, dishRedisCallsPerRequest: c.dish.redisCallsPerRequest,
    })),
    lost,
    reordered,
    peersBehindAfterStall: slowOwed(false).map((r) => ({ server: r.server, owed: r.undelivered })),
    loadgenLimited: loadgenLimitedSteps.length > 0,
    loadgenLimitedSteps,
    contendedSteps: [...run.fanout.flatMap((f) => f.steps), ...run.slow.flatMap((r) => [r.baseline, r.withSlow]), ...(run.reads?.steps ?? []), ...(run.writes?.steps ?? []), ...restaurantSteps, ...costSteps].filter((s) => s?.contended).length,
    crashes,
    ...(wsRestaurants
      ? { restaurantsRatio: wsRestaurants.ratio, restaurantsRatioIsFloor: wsRestaurants.ratioIsFloor, restaurantViewBytes: wsRestaurants.viewBytes }
      : {}),
    ...(rawRestaurants ? { restaurantsRatioRawUws: { ratio: rawRestaurants.ratio, isFloor: rawRestaurants.ratioIsFloor } } : {}),
    ...(run.cluster?.comparisons.length ? { clusterWrites: clusterWrites(run.cluster) } : {}),
    ...(run.writes ? { writesRatio: compareWrites(run.writes).ratio } : {}),
    ...(cost.length
      ? { costVsRaw: compareCost(cost).map((c) => ({ server: c.server, raw: c.raw, deliveriesPerSec: c.targetDeliveriesPerSec, ratio: c.ratio, sysRatio: c.sysRatio, flagged: c.flagged })) }
      : {}),
    ...(run.ceiling ? { ceilingRatio: run.ceiling.ratio, ceilingRatioBound: run.ceiling.ratioBound } : {}),
  };
  const atLeast = (v: number | null, t: number) => (v === null ? null : v >= t);
  const atMost = (v: number | null, t: number) => (v === null ? null : v <= t);
  return {
    ...summary,
    targets: {
      wsVsSocketIo: { target: 'ws-gateway ≥ 20× Socket.IO', met: atLeast(summary.wsVsSocketIo, 20) },
      wsVsRawUws: { target: 'ws-gateway ≥ 75% of raw uWS', met: atLeast(summary.wsVsRawUws, 0.75) },
      ...memoryTargets(summary.memoryRatios ?? []),
      sseVsExpress: { target: 'sse-gateway ≥ 3× naive express SSE', met: atLeast(summary.sseVsExpress, 3) },
      sseVsRawHttp: { target: 'sse-gateway ≥ raw node:http SSE', met: atLeast(summary.sseVsRawHttp, 1) },
      wsP99VsRawAt200k: { target: 'ws-gateway p99 at 200k deliveries/s ≤ 1.5× raw uWS', met: atMost(summary.wsP99VsRawAt200k, 1.5) },
      sseP99VsRawAt200k: { target: 'sse-gateway p99 at 200k deliveries/s ≤ 1.5× raw node:http', met: atMost(summary.sseP99VsRawAt200k, 1.5) },
      ...(run.writes ? { writesVsBare: { target: `dish service PATCH ≥ ${WRITES_TARGET_RATIO}× bare express + ioredis HSET + XADD + PUBLISH`, met: compareWrites(run.writes).met } } : {}),
      readsVsBare: { target: `dish service reads ≥ ${READS_TARGET}× bare express + ioredis, every route, 0 and 24 h of sales`, met: reads.met },
      ...(wsRestaurants
        ? {
            // A ratio that is only a floor and below target has not shown a miss: it is not known (null).
            restaurantsRatio: {
              target: `ws-gateway, ${wsRestaurants.many?.restaurants ?? '?'} restaurants ≥ ${RESTAURANTS_RATIO_TARGET}× one restaurant's deliveries/s (kept up with)`,
              met: summary.restaurantsRatio === null || summary.restaurantsRatio === undefined
                ? null
                : summary.restaurantsRatio >= RESTAURANTS_RATIO_TARGET ? true : summary.restaurantsRatioIsFloor ? null : false,
            },
            restaurantViewBytes: { target: `ws-gateway ≤ ${RESTAURANT_VIEW_TARGET_BYTES / 1024} KB live memory per restaurant plus its ring`, met: atMost(summary.restaurantViewBytes ?? null, RESTAURANT_VIEW_TARGET_BYTES) },
          }
        : {}),
    },
  };
}

/** Per WRITE_MIN_REPLICAS: the 1-primary and the 3-primary cluster's writes/s and primaries' CPU per write, and their ratio. */
function clusterWrites(c: ClusterResult): NonNullable<Summary['clusterWrites']> {
  return c.comparisons.map((cmp) => {
    const at = (primaries: number) => c.writes.find((w) => w.minReplicas === cmp.minReplicas && w.primaries === primaries);
    return {
      minReplicas: cmp.minReplicas,
      writesPerSec: [at(1)?.writesPerSec ?? null, at(3)?.writesPerSec ?? null],
      primaryUsPerWrite: [at(1)?.primaryUsPerWrite ?? null, at(3)?.primaryUsPerWrite ?? null],
      writesRatio: cmp.writesRatio,
    };
  });
}

/** What makes a run fail (the exit code of --quick): loss, reordering, a crash, a scenario that could not run. */
export function failures(run: RunResult): string[] {
  const out: string[] = [];
  if (run.summary.lost > 0) out.push(`${run.summary.lost} events lost`);
  if (run.summary.reordered > 0) out.push(`${run.summary.reordered} events reordered`);
  out.push(...run.summary.crashes.map((c) => `crash: ${c.split('\n')[0]}`));
  for (const r of [...run.fanout, ...run.memory, ...run.slow]) if (r.status === 'failed') out.push(`${r.server}: ${r.reason?.split('\n')[0] ?? 'failed'}`);
  if (run.e2e?.status === 'failed') out.push(`e2e: ${run.e2e.reason?.split('\n')[0] ?? 'failed'}`);
  if (run.reads?.status === 'failed') out.push(`reads: ${run.reads.reason?.split('\n')[0] ?? 'failed'}`);
  for (const r of run.restaurants ?? []) if (r.status === 'failed') out.push(`restaurants/${r.server}: ${r.reason?.split('\n')[0] ?? 'failed'}`);
  for (const r of run.churn ?? []) if (r.status === 'failed') out.push(`churn/${r.server}: ${r.reason?.split('\n')[0] ?? 'failed'}`);
  if (run.cluster?.status === 'failed') out.push(`cluster: ${run.cluster.reason?.split('\n')[0] ?? 'failed'}`);
  for (const r of run.cost ?? []) if (r.status === 'failed') out.push(`cost/${r.server}: ${r.reason?.split('\n')[0] ?? 'failed'}`);
  for (const r of run.ceiling?.rounds ?? []) if (r.status === 'failed') out.push(`ceiling/${r.server}#${r.round}: ${r.reason?.split('\n')[0] ?? 'failed'}`);
  if (run.history?.status === 'failed' || run.history?.status === 'crashed') out.push(`history: ${run.history.reason?.split('\n')[0] ?? 'failed'}`);
  if (run.history?.non2xx) out.push(`history: ${run.history.non2xx} state?at= answers were not 200`);
  out.push(...readsErrors(run.reads));
  // Crashes are in summary.crashes already; a failed run or errors under load are the scenario's own.
  out.push(...writesFailures(run.writes).filter((f) => !f.startsWith('writes: crashed')));
  return out;
}
