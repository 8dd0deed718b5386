// Scenario 5, reads: the dish service's read routes against a bare express + ioredis handler serving the same bytes
// with one GET, with no sales history and with 24 h of it: a read's cost must not grow with the service's uptime.
import { existsSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { EventLog } from '@dish-live/broker';
import type { SupervisedProcess } from '@dish-live/test-support';
import { cpuBetween, sampleCpu } from '../cpu.js';
import { formatRate } from '../format.js';
import { summarize } from '../loadgen/stats.js';
import { callsPerRequest, parseCommandStats, totalCalls } from '../redis-stats.js';
import { historyLabel } from '../report/reads.js';
import type { ReadEndpoint, ReadServer, ReadsResult, ReadsStep } from '../results.js';
import { DISH_SERVICE_ENTRY, startDishService, startReadsPeer } from '../servers.js';
import { connectRedis, sleep, type Context } from './context.js';
import { eventIdBefore, salesBuckets, writeEvents, writeSalesBuckets } from './reads-seed.js';

const TOKEN = 'bench-token';
/** How far behind the newest event the polling read asks from. */
const SINCE_BACK = 100;
/** The sales read asks for the span the dashboard's chart draws. */
const SALES_WINDOW_MS = 3_600_000;

interface Target {
  server: ReadServer;
  port: number;
  process: SupervisedProcess;
}

const ROUTES: Record<ReadEndpoint, string> = { dishes: '/api/dishes', events: '/api/events', sales: '/api/sales' };

/** The requests measured: the menu, polling from `since`, and the last hour of sales before `now`. */
function paths(since: string, now: number): [ReadEndpoint, string][] {
  return [
    ['dishes', ROUTES.dishes],
    ['events', `${ROUTES.events}?since=${since}`],
    ['sales', `${ROUTES.sales}?from=${now - SALES_WINDOW_MS}&to=${now}`],
  ];
}

async function get(port: number, path: string): Promise<{ status: number; body: Buffer }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(30_000) });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

const CAPTURE_TRIES = 20;

/**
 * The body the bare peer is to serve: the dish service's 200 answer, or undefined when it has no such route (404).
 * Retried for a while, since a service whose reads hold Redis may still be working off the last step's backlog and
 * answer 503; still not 200 after that fails the scenario rather than handing the peer an error page to serve.
 */
async function capture(port: number, path: string): Promise<Buffer | undefined> {
  let last: { status: number; body: Buffer } = { status: 0, body: Buffer.alloc(0) };
  for (let i = 0; i < CAPTURE_TRIES; i++) {
    last = await get(port, path);
    if (last.status === 200) return last.body;
    if (last.status === 404) return undefined;
    await sleep(500);
  }
  throw new Error(`GET ${path} answered ${last.status} before the load, ${CAPTURE_TRIES} times: ${last.body.toString().slice(0, 120)}`);
}

/** A warm-up on the same connections, then the measured run with Redis's command counts and the CPU around it. */
async function measure(ctx: Context, redis: Redis, target: Target, endpoint: ReadEndpoint, path: string, buckets: number, bodyBytes: number): Promise<ReadsStep> {
  const o = ctx.options.reads;
  await ctx.loadgen.http(target.port, path, o.connections, o.warmupMs);
  const pids = [target.process.pid, ctx.redisPid, ...ctx.loadgen.pids];
  const before = parseCommandStats(await redis.info('commandstats'));
  const a = sampleCpu(pids);
  const r = await ctx.loadgen.http(target.port, path, o.connections, o.durationMs);
  const usage = cpuBetween(a, sampleCpu(pids));
  const redisCalls = callsPerRequest(before, parseCommandStats(await redis.info('commandstats')), r.requests);
  const sum = (ps: number[]) => Math.round(ps.reduce((s, p) => s + (usage.procs[p] ?? 0), 0) * 10) / 10;
  const cpu = {
    server: sum([target.process.pid]),
    loadgen: sum(ctx.loadgen.pids),
    serverCore: usage.cores[ctx.options.serverCore] ?? 0,
    loadgenCore: usage.cores[ctx.options.loadgenCore] ?? 0,
    redis: sum([ctx.redisPid]),
  };
  const step: ReadsStep = {
    endpoint, path, buckets, server: target.server,
    requests: r.requests,
    reqPerSec: Math.round(r.requests / (r.elapsedMs / 1000)),
    reqPerCpuSecond: cpu.server > 0 ? Math.round(r.requests / ((cpu.server / 100) * (r.elapsedMs / 1000))) : null,
    latency: summarize(r.latency),
    statuses: r.statuses,
    non2xx: r.non2xx,
    errors: r.errors,
    ...(r.firstError ? { firstError: r.firstError } : {}),
    bodyBytes,
    redisCalls,
    redisCallsPerRequest: totalCalls(redisCalls),
    cpu,
    loadgenLimited: cpu.loadgenCore > 90,
    contended: cpu.serverCore - cpu.server > 25,
  };
  ctx.log(
    `reads ${`GET /api/${endpoint}`.padEnd(16)} ${target.server.padEnd(4)} ${historyLabel(buckets).padEnd(20)} ${formatRate(step.reqPerSec).padStart(6)} req/s, ` +
      `p50 ${step.latency.p50} p99 ${step.latency.p99} ms, non-2xx ${step.non2xx}, errors ${step.errors}, Redis ${step.redisCallsPerRequest} calls/req, ` +
      `cpu server ${cpu.server}% loadgen ${cpu.loadgen}% redis ${cpu.redis}% (cores ${cpu.serverCore}%/${cpu.loadgenCore}%)${step.loadgenLimited ? ' [loadgen-limited]' : ''}${step.contended ? ' [server core contended]' : ''}`,
  );
  return step;
}

export async function runReads(ctx: Context): Promise<ReadsResult> {
  const o = ctx.options.reads;
  const result: ReadsResult = {
    status: 'ok', connections: o.connections, durationMs: o.durationMs, events: o.events, sinceBack: SINCE_BACK, histories: [], steps: [], missing: [],
  };
  if (!existsSync(DISH_SERVICE_ENTRY)) return { ...result, status: 'skipped', reason: `${DISH_SERVICE_ENTRY} missing (build with: npx tsc -b tsconfig.build.json)` };
  const prefix = ctx.prefix('reads');
  const bodyKey = (endpoint: ReadEndpoint) => `${prefix}bench:reads:${endpoint}`;
  const redis = connectRedis(ctx.redisUrl);
  const started: SupervisedProcess[] = [];
  const startedAt = performance.now();
  try {
    const server = { redisUrl: ctx.redisUrl, prefix, core: ctx.options.serverCore };
    const track = <T extends { process: SupervisedProcess }>(s: T) => {
      started.push(s.process);
      return s;
    };
    // Both at once (the quick run is short). The service seeds its menu into the empty log; the simulator is off, so
    // nothing writes while a route is measured and every answer stays the bytes the peer was given.
    const [dish, bare] = await Promise.all([
      startDishService(server, TOKEN, { SEED_MENU: 'true' }).then(track),
      startReadsPeer(server, Object.fromEntries(Object.entries(ROUTES).map(([e, path]) => [path, bodyKey(e as ReadEndpoint)]))).then(track),
    ]);
    const menu = JSON.parse((await get(dish.port, ROUTES.dishes)).body.toString()) as { id: string; category: string }[];
    if (menu.length === 0) throw new Error('the dish service seeded no menu');
    await writeEvents(redis, prefix, menu.map((d) => d.id), o.events);
    const since = await eventIdBefore(redis, prefix, SINCE_BACK);
    const targets: Target[] = [{ server: 'dish', ...dish }, { server: 'bare', ...bare }];
    // The retention and bucket width the service runs with: the broker's defaults, as the bench sets neither.
    const log = new EventLog(redis, { prefix });
    const categories = [...new Set(menu.map((d) => d.category))];
    for (const buckets of [0, log.salesRetentionMs / log.salesBucketMs]) {
      if (buckets > 0) await writeSalesBuckets(redis, prefix, salesBuckets(Date.now(), buckets, log.salesBucketMs, categories), log.salesRetentionMs);
      result.histories.push(buckets);
      for (const [endpoint, path] of paths(since, Date.now())) {
        const body = await capture(dish.port, path);
        if (!body) {
          result.missing.push({ endpoint, path, buckets, reason: 'HTTP 404' });
          ctx.log(`reads GET ${ROUTES[endpoint]}: the dish service answers 404, not measured`);
          continue;
        }
        await redis.set(bodyKey(endpoint), body);
        const copy = await get(bare.port, path);
        if (!copy.body.equals(body)) throw new Error(`the bare peer's answer to ${path} is not the dish service's (${copy.body.length} vs ${body.length} bytes)`);
        for (const target of targets) result.steps.push(await measure(ctx, redis, target, endpoint, path, buckets, body.length));
      }
    }
    const dead = started.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
    if (dead) {
      result.status = 'crashed';
      result.reason = `${dead.name} exited\n${dead.tail()}`;
    }
    ctx.log(`reads: ${result.steps.length} steps in ${Math.round((performance.now() - startedAt) / 1000)} s`);
  } catch (err) {
    const dead = started.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
    result.status = dead ? 'crashed' : 'failed';
    result.reason = dead ? `${dead.name} exited: ${(err as Error).message}\n${dead.tail()}` : (err as Error).message;
    ctx.log(`reads: ${result.status}: ${result.reason}`);
  } finally {
    for (const p of started.reverse()) await p.stop();
    redis.disconnect();
  }
  return result;
}
