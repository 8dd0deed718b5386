// Scenario 6, restaurants: one gateway process serving many restaurants (1,000 × 10 clients) against one restaurant
// with the same clients at the same total deliveries/s; then churn (all clients of some restaurants leave and come
// back, with a long and a short grace period) and the gateway's live memory per loaded restaurant view.
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { brokerKeys, Restaurants } from '@dish-live/broker';
import { settledRss, waitForInspector } from '@dish-live/test-support';
import { liveHeapBytes } from '../heap.js';
import { profileLine, readProfile } from '../profile.js';
import { slope, summarize } from '../loadgen/stats.js';
import { Publisher } from '../publisher.js';
import type { ChurnRun, GatewayRestaurantMetrics, MemoryPoint, RestaurantMemoryRun, RestaurantsCase, RestaurantsResult, StepResult } from '../results.js';
import { startServer, unavailable, type RunningServer, type ServerDef } from '../servers.js';
import { drain, measureStep, noteEarlyCloses, sleep, stepLine, type Context } from './context.js';
import { Crash, exited } from './fanout.js';
import { caseFigures, compareCases, keptUp } from './restaurants-figures.js';

const GROUP = 'restaurants';
/** The gateways' ring size when RING_SIZE is not set (packages/fanout gateway-env.ts). */
const DEFAULT_RING_SIZE = 10_000;
/** Memory readings while restaurants are loaded: enough that one late collection cannot tip the slope. */
const MEMORY_BATCHES = 4;

/** Restaurant ids sort in creation order: r0000, r0001, … */
const restaurantId = (i: number) => `r${String(i).padStart(4, '0')}`;

/** The restaurants of one case in their own key prefix: registered, each with its bench dish, and their publisher. */
interface Deployment {
  prefix: string;
  rids: string[];
  /** The gateway path of each restaurant, in the order of `rids`. */
  paths: string[];
  publisher: Publisher;
}

async function deploy(ctx: Context, def: ServerDef, redis: Redis, label: string, rids: string[]): Promise<Deployment> {
  const prefix = ctx.prefix(`restaurants-${label}-${def.name}`);
  const registry = new Restaurants(redis, prefix);
  await Promise.all(rids.map((rid) => registry.create(rid, `Bench ${rid}`)));
  // The bench dish exists before a gateway starts, so it is in every restaurant's snapshot.
  const publisher = await Publisher.spread(redis, prefix, rids);
  return { prefix, rids, paths: rids.map((rid) => `${def.path}/${rid}`), publisher };
}

/** What each client path is due: its restaurant's newest bench dish version. */
const targetsOf = (d: Deployment) => () => Object.fromEntries(d.rids.map((rid, i) => [d.paths[i]!, d.publisher.versions.get(rid) ?? -1]));

/** How many subscribers each restaurant's sharded channel has (PUBSUB SHARDNUMSUB): 1 while a gateway holds it. */
async function subscribers(redis: Redis, prefix: string, rids: string[]): Promise<number[]> {
  const reply = (await redis.call('PUBSUB', 'SHARDNUMSUB', ...rids.map((rid) => brokerKeys(prefix, rid).channel))) as (string | number)[];
  return rids.map((_, i) => Number(reply[i * 2 + 1]));
}

/** `count` items of `items`, evenly spread over it (every n-th), so churning restaurants are not all neighbours. */
function spreadPick<T>(items: T[], count: number): T[] {
  const step = items.length / Math.max(1, count);
  return Array.from({ length: Math.min(count, items.length) }, (_, i) => items[Math.floor(i * step)]!);
}

const METRICS: Record<keyof GatewayRestaurantMetrics, string> = {
  live: 'dish_live_restaurants_live',
  estimatedBytes: 'dish_live_restaurant_bytes',
  ringShrinks: 'dish_live_restaurant_ring_shrinks_total',
  evictions: 'dish_live_restaurant_evictions_total',
};

/** The gateway's restaurant gauges and counters from its /metrics (absent ones left out: the figures are extras). */
async function gatewayMetrics(port: number): Promise<GatewayRestaurantMetrics> {
  const out: GatewayRestaurantMetrics = {};
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    for (const [key, name] of Object.entries(METRICS) as [keyof GatewayRestaurantMetrics, string][]) {
      const value = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1];
      if (value !== undefined) out[key] = Number(value);
    }
  } catch {
    // No /metrics answer: the scenario's own figures stand without the gateway's.
  }
  return out;
}

async function startGateway(
  ctx: Context, def: ServerDef, prefix: string, env: NodeJS.ProcessEnv, profile?: string,
): Promise<{ server: RunningServer; inspector: string }> {
  const server = await startServer(def, { redisUrl: ctx.redisUrl, prefix, core: ctx.options.serverCore, inspect: true, env, ...(profile ? { profile } : {}) });
  return { server, inspector: await waitForInspector(server.process) };
}

/**
 * Runs `fn` against a started gateway, then closes every client and stops the gateway, whatever happened. A failure
 * while the gateway had exited is its crash, and says so.
 */
async function holding<T>(ctx: Context, def: ServerDef, server: RunningServer, label: string, fn: () => Promise<T>): Promise<T> {
  try {
    const value = await fn();
    if (exited(server)) throw new Crash(`${def.name} exited (${label})\n${server.process.tail()}`);
    return value;
  } catch (err) {
    if (!(err instanceof Crash) && exited(server)) throw new Crash(`${def.name} exited (${label}): ${(err as Error).message}\n${server.process.tail()}`);
    throw err;
  } finally {
    await ctx.loadgen.closeAll();
    await server.process.stop();
  }
}

async function connectAll(ctx: Context, def: ServerDef, server: RunningServer, d: Deployment, perRestaurant: number): Promise<number> {
  const count = d.rids.length * perRestaurant;
  // Client k opens restaurant k % n: every restaurant gets `perRestaurant` clients, interleaved in connection order.
  const c = await ctx.loadgen.connect(def.client, server.port, def.path, count, GROUP, 200, { paths: d.paths });
  if (c.failed > 0) throw new Error(`${c.failed} of ${count} clients could not connect: ${c.firstError}`);
  return c.connected;
}

/**
 * Steps the deliveries/s up in one case until the gateway does not keep up: each step's event rate is its
 * deliveries/s over the clients one event reaches (the clients of one restaurant). Unlike the fan-out, a p99 over
 * the bound does not end the stepping: one restaurant's 10,000 clients take the gateway about as long to write as the
 * bound at any rate (one event, 10,000 socket writes), and stopping there would leave its throughput unmeasured.
 */
async function stepCase(ctx: Context, def: ServerDef, label: string, server: RunningServer, d: Deployment, perRestaurant: number): Promise<StepResult[]> {
  const o = ctx.options.restaurants;
  const targets = targetsOf(d);
  const measure = (rate: number) =>
    measureStep(ctx, {
      label: `restaurants ${def.name} ${label}`, publisher: d.publisher, rate, durationMs: o.stepMs, drainMs: o.drainMs, group: GROUP,
      serverPids: [server.process.pid], p99LimitMs: ctx.options.fanout.p99LimitMs, targets, recipientsPerEvent: perRestaurant,
    });
  const steps: StepResult[] = [];
  for (const deliveries of o.deliveries) {
    const rate = Math.max(1, Math.round(deliveries / perRestaurant));
    let step = await measure(rate);
    // One latency spike should not decide a figure: a step that would end the stepping, or the first to miss the
    // p99 bound, on latency alone, is repeated once and the repeat counts.
    const latencyOnly = step.verdict.startsWith('p99') && keptUp({ ...step, latency: { ...step.latency, p99: 0 } });
    const firstMiss = keptUp(step) && !step.sustained && (steps.length === 0 || steps.at(-1)!.sustained);
    if (latencyOnly && (!keptUp(step) || firstMiss)) {
      ctx.log(`${stepLine(`restaurants ${def.name} ${label}`, step)} (repeating once)`);
      step = { ...(await measure(rate)), repeatOf: step.verdict };
    }
    steps.push(step);
    ctx.log(stepLine(`restaurants ${def.name} ${label.padEnd(6)}`, step));
    if (exited(server)) throw new Crash(`${def.name} exited during the ${label} step at ${rate} ev/s\n${server.process.tail()}`);
    if (!keptUp(step)) break;
  }
  return steps;
}

/** One case: its gateway, its clients connected, the steps, the final drain; `then` runs with the clients still on. */
async function runCase(
  ctx: Context, def: ServerDef, label: 'single' | 'many', d: Deployment, perRestaurant: number,
  then?: (server: RunningServer) => Promise<void>,
): Promise<RestaurantsCase> {
  const o = ctx.options.restaurants;
  const out: RestaurantsCase = {
    restaurants: d.rids.length, clientsPerRestaurant: perRestaurant, clients: 0, steps: [], maxKeptUp: null, maxSustained: null, peakDeliveries: null,
    stoppedBy: 'grid', loadgenLimitedSteps: 0, lost: 0, reordered: 0, undelivered: 0, rssBytes: 0,
  };
  // With --profile, where each case's gateway spends its time: the two cases side by side show the per-event costs.
  const profile = ctx.options.profileDir ? join(ctx.options.profileDir, `restaurants-${label}-${def.name}`) : undefined;
  const { server, inspector } = await startGateway(ctx, def, d.prefix, { RESTAURANT_GRACE_MS: String(o.longGraceMs) }, profile);
  await holding(ctx, def, server, label, async () => {
    out.clients = await connectAll(ctx, def, server, d, perRestaurant);
    ctx.progress(`restaurants ${def.name} ${label}: ${out.clients} clients over ${d.rids.length} restaurant(s)`);
    // Warm-up: every client gets its first sequence number before anything is measured.
    await d.publisher.run(Math.max(1, Math.round((o.deliveries[0] ?? 10_000) / perRestaurant)), 500);
    await drain(ctx, GROUP, targetsOf(d)(), 10_000);
    try {
      out.steps = await stepCase(ctx, def, label, server, d, perRestaurant);
    } finally {
      // Whatever a slow step still owes has until now to arrive; late is not lost.
      const g = await drain(ctx, GROUP, targetsOf(d)(), o.finalDrainMs);
      out.undelivered = g?.behind ?? 0;
      out.lost = out.steps.reduce((s, x) => s + x.lost, 0) + out.undelivered;
      out.reordered = out.steps.reduce((s, x) => s + x.reordered, 0);
    }
    out.rssBytes = out.steps.at(-1)?.serverRssBytes ?? 0;
    out.liveHeapBytes = await liveHeapBytes(inspector);
    if (def.dishLive) out.gateway = await gatewayMetrics(server.port);
    if (then) await then(server);
  });
  if (profile) {
    const summary = readProfile(profile);
    if (summary) out.profile = summary;
    ctx.log(summary ? profileLine(`${def.name} ${label}`, summary) : `restaurants ${def.name} ${label}: no profile written (${profile})`);
  }
  return caseFigures(out);
}

/**
 * All clients of `count` restaurants leave, then come back at once. Long grace: the views are still live when they
 * return. Short grace: the bench waits until the gateway released every one of those channels (no subscriber left in
 * Redis), so each comes back through a fresh subscription and a snapshot read from Redis.
 */
async function churn(
  ctx: Context, def: ServerDef, server: RunningServer, redis: Redis, d: Deployment, kind: ChurnRun['kind'], graceMs: number,
): Promise<ChurnRun> {
  const o = ctx.options.restaurants;
  const picked = spreadPick(d.rids.map((rid, i) => ({ rid, path: d.paths[i]! })), o.churnRestaurants);
  const paths = picked.map((p) => p.path);
  const rids = picked.map((p) => p.rid);
  const clients = await ctx.loadgen.close(GROUP, paths);
  if (clients === 0) throw new Error(`churn: no client of the ${rids.length} restaurants was connected`);
  const left = performance.now();
  let releaseMs: number | undefined;
  if (kind === 'short') {
    const deadline = left + graceMs + 15_000;
    while ((await subscribers(redis, d.prefix, rids)).some((n) => n > 0) && performance.now() < deadline) await sleep(25);
    releaseMs = Math.round(performance.now() - left);
  } else {
    // Long enough for the gateway to see every close; far inside the grace period.
    await sleep(Math.min(500, graceMs / 10));
  }
  const counts = await subscribers(redis, d.prefix, rids);
  // All released, all still subscribed, or some of each (null: neither figure would be what it says).
  const released = counts.every((n) => n === 0) ? true : counts.every((n) => n > 0) ? false : null;
  const started = performance.now();
  const c = await ctx.loadgen.connect(def.client, server.port, def.path, clients, GROUP, clients, { paths, untilFirstMessage: true });
  noteEarlyCloses(ctx, `restaurants ${def.name} churn`, c);
  const totalMs = Math.round(performance.now() - started);
  const run: ChurnRun = {
    kind, graceMs, restaurants: rids.length, clients, otherRestaurants: d.rids.length - rids.length, released,
    ...(releaseMs !== undefined ? { releaseMs } : {}),
    totalMs, snapshot: summarize(c.firstMessage), failed: c.failed, ...(c.firstError ? { firstError: c.firstError } : {}),
  };
  ctx.log(
    `restaurants ${def.name} churn (${kind} grace, ${graceMs} ms): ${clients} clients of ${rids.length} restaurants back in ${totalMs} ms, ` +
      `snapshot p50 ${run.snapshot.p50} p99 ${run.snapshot.p99} max ${run.snapshot.max} ms; ` +
      `${released ? `released before the return${releaseMs !== undefined ? ` (${releaseMs} ms after leaving)` : ''}` : 'views live on return'}` +
      `${c.failed ? `; ${c.failed} failed (${c.firstError})` : ''}`,
  );
  return run;
}

/** After churn: a short burst must reach every client, the returned ones too, in order. */
async function verifyDelivery(ctx: Context, d: Deployment, perRestaurant: number): Promise<{ lost: number; reordered: number }> {
  await ctx.loadgen.window();
  const rate = Math.max(d.rids.length, Math.round((ctx.options.restaurants.deliveries[0] ?? 10_000) / perRestaurant));
  await d.publisher.run(rate, 1000);
  const g = await drain(ctx, GROUP, targetsOf(d)(), 15_000);
  return { lost: (g?.counters.lost ?? 0) + (g?.behind ?? 0) + (g?.silent ?? 0), reordered: g?.counters.reordered ?? 0 };
}

/**
 * The live heap once further full collections stop moving it (under 0.5 %, at most `rounds` readings): forced
 * collections age the bytecode of functions that did not run, and V8 flushes it after a few, so a first reading
 * still holds code the next ones free.
 */
async function settledHeap(inspector: string, rounds = 6): Promise<number> {
  let last = await liveHeapBytes(inspector);
  for (let i = 1; i < rounds; i++) {
    const next = await liveHeapBytes(inspector);
    if (Math.abs(next - last) < last * 0.005) return next;
    last = next;
  }
  return last;
}

/**
 * Live memory per loaded restaurant: a gateway with a grace period far longer than the measurement, one client per
 * restaurant that gets its snapshot and leaves, so every view is live without clients. Loaded in two equal batches
 * after a settled baseline; the second batch's growth per restaurant is the figure (one more restaurant's cost), both
 * batches' over the baseline is shown beside it. Every reading is a settled one, so code V8 flushes after a few
 * collections is flushed alike at each. Then `ringEvents` events to each, the ring's share per entry.
 */
async function memoryRun(ctx: Context, def: ServerDef, redis: Redis): Promise<RestaurantMemoryRun> {
  const o = ctx.options.restaurants;
  const rids = Array.from({ length: o.memoryRestaurants }, (_, i) => restaurantId(i));
  const d = await deploy(ctx, def, redis, 'memory', ['warm', ...rids]);
  const warm = { ...d, rids: ['warm'], paths: [d.paths[0]!], publisher: await Publisher.spread(redis, d.prefix, ['warm']) };
  const loaded = { ...d, rids, paths: d.paths.slice(1), publisher: await Publisher.spread(redis, d.prefix, rids) };
  const env: NodeJS.ProcessEnv = {
    RESTAURANT_GRACE_MS: String(10 * 60_000),
    // Far above what the loaded views take: the budget must not release any of them while they are measured.
    RESTAURANT_MEMORY_BUDGET_MB: '2048',
  };
  const { server, inspector } = await startGateway(ctx, def, d.prefix, env);
  const pid = server.process.pid;
  return holding(ctx, def, server, 'memory', async () => {
    // One restaurant loaded, fed and left before the baseline: what the first restaurant builds once per process
    // (script loads, the subscriber connection, code paths compiled) is not charged to the others.
    await ctx.loadgen.connect(def.client, server.port, def.path, 1, GROUP, 1, { paths: warm.paths, untilFirstMessage: true });
    await warm.publisher.run(20, 250);
    await drain(ctx, GROUP, targetsOf(warm)(), 5000);
    await ctx.loadgen.close(GROUP, warm.paths);
    await sleep(o.settleMs);
    const heapBeforeBytes = await settledHeap(inspector);
    const rssBeforeBytes = await settledRss(pid, 200, 3000);
    /** Loads one batch (a client each, snapshot, gone), then reads heap and RSS. */
    const load = async (paths: string[]) => {
      const c = await ctx.loadgen.connect(def.client, server.port, def.path, paths.length, GROUP, 200, { paths, untilFirstMessage: true });
      noteEarlyCloses(ctx, `restaurants ${def.name} memory`, c);
      if (c.failed > 0) throw new Error(`${c.failed} of ${paths.length} restaurant clients failed: ${c.firstError}`);
      await ctx.loadgen.close(GROUP, paths);
      await sleep(o.settleMs);
      return { heapBytes: await settledHeap(inspector), rssBytes: await settledRss(pid, 200, 3000) };
    };
    // Read after each of MEMORY_BATCHES batches; the cost per restaurant is the slope through all the readings.
    const points: MemoryPoint[] = [{ restaurants: 0, heapBytes: heapBeforeBytes, rssBytes: rssBeforeBytes }];
    for (let b = 1; b <= MEMORY_BATCHES; b++) {
      const upTo = Math.round((rids.length * b) / MEMORY_BATCHES);
      points.push({ restaurants: upTo, ...(await load(loaded.paths.slice(points.at(-1)!.restaurants, upTo))) });
    }
    const heapAfterBytes = points.at(-1)!.heapBytes;
    const live = (await subscribers(redis, d.prefix, rids)).filter((n) => n > 0).length;
    if (live < rids.length) throw new Error(`only ${live} of ${rids.length} restaurants still live when measured (released within the grace period?)`);
    const gateway = await gatewayMetrics(server.port);
    const perRestaurant = (field: 'heapBytes' | 'rssBytes') => Math.round(slope(points.map((p) => ({ x: p.restaurants, y: p[field] }))));
    const run: RestaurantMemoryRun = {
      ringSize: Number(process.env.RING_SIZE ?? DEFAULT_RING_SIZE), restaurants: rids.length,
      heapBeforeBytes, heapAfterBytes, rssBeforeBytes, rssAfterBytes: points.at(-1)!.rssBytes, points,
      heapPerRestaurant: perRestaurant('heapBytes'),
      rssPerRestaurant: perRestaurant('rssBytes'),
      heapPerRestaurantAverage: Math.round((heapAfterBytes - heapBeforeBytes) / rids.length),
      gateway,
    };
    if (o.ringEvents > 0) {
      // Round robin: every restaurant gets ringEvents events, written within about a second.
      const events = rids.length * o.ringEvents;
      await loaded.publisher.run(Math.max(100, events), 1000);
      await sleep(o.settleMs + 500);
      run.ringEvents = o.ringEvents;
      run.heapWithEventsBytes = await settledHeap(inspector);
      run.heapPerRingEntry = Math.round((run.heapWithEventsBytes - heapAfterBytes) / events);
    }
    ctx.log(
      `restaurants ${def.name} memory: ${rids.length} restaurants loaded and left: ` +
        `${(run.heapPerRestaurant / 1024).toFixed(2)} KB live heap per restaurant (slope over ${points.length} readings; ` +
        `${(run.heapPerRestaurantAverage / 1024).toFixed(2)} KB all over none; RSS ${(run.rssPerRestaurant / 1024).toFixed(2)} KB; ` +
        `heap ${points.map((p) => (p.heapBytes / 1048576).toFixed(1)).join(' → ')} MB)` +
        `${run.heapPerRingEntry !== undefined ? `; ${run.heapPerRingEntry} B per ring entry (${run.ringEvents} events each)` : ''}`,
    );
    return run;
  });
}

export async function runRestaurants(ctx: Context, def: ServerDef): Promise<RestaurantsResult> {
  const o = ctx.options.restaurants;
  const result: RestaurantsResult = {
    server: def.name, status: 'ok', ratio: null, ratioIsFloor: false, sustainedRatio: null, churn: [], memory: [], viewBytes: null, viewWithRingBytes: null, lost: 0, reordered: 0,
  };
  const missing = unavailable(def);
  if (missing) return { ...result, status: 'skipped', reason: missing };
  // Auto-pipelining: a thousand restaurants' writes leave in few socket writes, so the publisher (on the load
  // generator's core) keeps up with higher event rates; the gateway sees the same messages either way.
  const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: 3, enableAutoPipelining: true });
  const verified = { lost: 0, reordered: 0 };
  const addVerified = (v: { lost: number; reordered: number }) => {
    verified.lost += v.lost;
    verified.reordered += v.reordered;
  };
  try {
    const clients = o.restaurants * o.clientsPerRestaurant;
    const single = await deploy(ctx, def, redis, 'single', [restaurantId(0)]);
    result.single = await runCase(ctx, def, 'single', single, clients);
    const many = await deploy(ctx, def, redis, 'many', Array.from({ length: o.restaurants }, (_, i) => restaurantId(i)));
    const churned = (run: ChurnRun) => {
      result.churn.push(run);
      if (run.failed > 0) throw new Error(`churn (${run.kind} grace): ${run.failed} of ${run.clients} clients got no snapshot: ${run.firstError}`);
      // Either figure stands only for what it says: live views on return with the long grace, released ones with the short.
      if (run.released !== (run.kind === 'short')) {
        const state = run.released === null ? 'partly released' : run.released ? 'released' : 'still subscribed';
        throw new Error(`churn (${run.kind} grace, ${run.graceMs} ms): the restaurants were ${state} when their clients returned`);
      }
    };
    // A raw peer keeps no views, so it has no churn nor memory per view to measure: it stands beside the gateway in
    // the throughput comparison only, the same two cases on the transport alone.
    if (!def.dishLive) {
      result.many = await runCase(ctx, def, 'many', many, o.clientsPerRestaurant);
      return finish(result, verified);
    }
    result.many = await runCase(ctx, def, 'many', many, o.clientsPerRestaurant, async (server) => {
      churned(await churn(ctx, def, server, redis, many, 'long', o.longGraceMs));
      addVerified(await verifyDelivery(ctx, many, o.clientsPerRestaurant));
    });
    // The short grace period needs a gateway started with it: the same restaurants, every client connected again.
    const { server } = await startGateway(ctx, def, many.prefix, { RESTAURANT_GRACE_MS: String(o.shortGraceMs) });
    await holding(ctx, def, server, 'short grace churn', async () => {
      await connectAll(ctx, def, server, many, o.clientsPerRestaurant);
      await drain(ctx, GROUP, targetsOf(many)(), 10_000);
      churned(await churn(ctx, def, server, redis, many, 'short', o.shortGraceMs));
      addVerified(await verifyDelivery(ctx, many, o.clientsPerRestaurant));
    });
    result.memory.push(await memoryRun(ctx, def, redis));
  } catch (err) {
    result.status = err instanceof Crash ? 'crashed' : 'failed';
    result.reason = (err as Error).message;
    ctx.log(`restaurants ${def.name}: ${result.status}: ${result.reason}`);
  } finally {
    await ctx.loadgen.closeAll();
    redis.disconnect();
  }
  return finish(result, verified);
}

/** The result's totals and comparisons, once its runs ended (or one failed). */
function finish(result: RestaurantsResult, verified: { lost: number; reordered: number }): RestaurantsResult {
  result.lost = (result.single?.lost ?? 0) + (result.many?.lost ?? 0) + verified.lost;
  result.reordered = (result.single?.reordered ?? 0) + (result.many?.reordered ?? 0) + verified.reordered;
  compareCases(result);
  const memory = result.memory[0];
  result.viewBytes = memory?.heapPerRestaurant ?? null;
  result.viewWithRingBytes =
    memory?.heapPerRingEntry !== undefined ? memory.heapPerRestaurant + memory.heapPerRingEntry * (memory.ringEvents ?? 0) : null;
  return result;
}
