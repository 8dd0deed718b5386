// Scenario 9, writes (issue 18): PATCH /api/dishes/:id through the dish service as deployed (write token, zod
// validation, the write rate limit, the Lua write with its event stream, history checkpoints and publish) beside a
// bare express 5 + ioredis handler doing one MULTI of HSET + XADD + SPUBLISH, each alone on the server core, the same
// requests from the same load generator, the same Redis.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { SupervisedProcess } from '@dish-live/test-support';
import { cpuBetween, sampleCpu } from '../cpu.js';
import { formatRate } from '../format.js';
import type { HttpRequestSpec } from '../loadgen/http-load.js';
import { summarize } from '../loadgen/stats.js';
import { profileLine, readProfile } from '../profile.js';
import { callsPerRequest, parseCommandStats } from '../redis-stats.js';
import { DISH_SERVICE_ENTRY, startDishService, startWritesPeer } from '../servers.js';
import { connectRedis, type Context } from './context.js';
import { usPerRequest, writeRequests, type WriteServer, type WritesResult, type WritesStep } from './writes-figures.js';

const TOKEN = 'bench-write-token';
/**
 * The limiter stays on (its Redis call is part of a write's cost) at the highest budget the config takes, 100,000
 * writes/s per token and per address: far above what one core serves, so it never refuses the load.
 */
const RATE_ENV = { WRITE_RATE_PER_SEC: '100000', WRITE_RATE_BURST: '100000' };

interface Target {
  server: WriteServer;
  port: number;
  process: SupervisedProcess;
  requests: HttpRequestSpec[];
}

async function measure(ctx: Context, redis: Redis, target: Target, connections: number): Promise<WritesStep> {
  const o = ctx.options.writes;
  await ctx.loadgen.http(target.port, target.requests, connections, o.warmupMs);
  const pids = [target.process.pid, ctx.redisPid, ...ctx.loadgen.pids];
  const before = parseCommandStats(await redis.info('commandstats'));
  const a = sampleCpu(pids);
  const r = await ctx.loadgen.http(target.port, target.requests, connections, o.durationMs);
  const usage = cpuBetween(a, sampleCpu(pids));
  const redisCalls = callsPerRequest(before, parseCommandStats(await redis.info('commandstats')), r.requests);
  const sum = (ps: number[]) => Math.round(ps.reduce((s, p) => s + (usage.procs[p] ?? 0), 0) * 10) / 10;
  const cpu = {
    server: sum([target.process.pid]),
    redis: sum([ctx.redisPid]),
    loadgen: sum(ctx.loadgen.pids),
    serverCore: usage.cores[ctx.options.serverCore] ?? 0,
    loadgenCore: usage.cores[ctx.options.loadgenCore] ?? 0,
  };
  const step: WritesStep = {
    server: target.server,
    connections,
    requests: r.requests,
    reqPerSec: Math.round(r.requests / (r.elapsedMs / 1000)),
    latency: summarize(r.latency),
    statuses: r.statuses,
    non2xx: r.non2xx,
    errors: r.errors,
    ...(r.firstError ? { firstError: r.firstError } : {}),
    cpu,
    serverUsPerRequest: usPerRequest(cpu.server, r.elapsedMs, r.requests),
    redisUsPerRequest: usPerRequest(cpu.redis, r.elapsedMs, r.requests),
    redisCalls,
    loadgenLimited: cpu.loadgenCore > 90,
    contended: cpu.serverCore - cpu.server > 25,
  };
  ctx.log(
    `writes PATCH ${target.server.padEnd(4)} ×${String(connections).padStart(3)} conns ${formatRate(step.reqPerSec).padStart(6)} req/s, ` +
      `p50 ${step.latency.p50} p99 ${step.latency.p99} ms, non-2xx ${step.non2xx}, errors ${step.errors}, ` +
      `cpu/req server ${step.serverUsPerRequest ?? '?'} µs redis ${step.redisUsPerRequest ?? '?'} µs, ` +
      `cpu server ${cpu.server}% redis ${cpu.redis}% loadgen ${cpu.loadgen}% (cores ${cpu.serverCore}%/${cpu.loadgenCore}%)` +
      `${step.loadgenLimited ? ' [loadgen-limited]' : ''}${step.contended ? ' [server core contended]' : ''}` +
      `${step.firstError ? ` first error: ${step.firstError}` : ''}${step.non2xx ? ` statuses ${JSON.stringify(step.statuses)}` : ''}`,
  );
  return step;
}

export async function runWrites(ctx: Context): Promise<WritesResult> {
  const o = ctx.options.writes;
  const result: WritesResult = { status: 'ok', durationMs: o.durationMs, dishes: 0, steps: [] };
  if (!existsSync(DISH_SERVICE_ENTRY)) return { ...result, status: 'skipped', reason: `${DISH_SERVICE_ENTRY} missing (build with: npx tsc -b tsconfig.build.json)` };
  const redis = connectRedis(ctx.redisUrl);
  const started: SupervisedProcess[] = [];
  const startedAt = performance.now();
  const profile = ctx.options.profileDir ? join(ctx.options.profileDir, 'writes-dish') : undefined;
  const dead = () => started.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
  try {
    const core = ctx.options.serverCore;
    const track = <T extends { process: SupervisedProcess }>(s: T) => (started.push(s.process), s);
    // Both at once, each with its own key prefix; only one is under load at a time.
    const [dish, bare] = await Promise.all([
      startDishService({ redisUrl: ctx.redisUrl, prefix: ctx.prefix('writes'), core, ...(profile ? { profile } : {}) }, TOKEN, { SEED_MENU: 'true', ...RATE_ENV }).then(track),
      startWritesPeer({ redisUrl: ctx.redisUrl, prefix: '', core }, ctx.prefix('writes-bare')).then(track),
    ]);
    const menu = (await (await fetch(`http://127.0.0.1:${dish.port}/api/dishes`)).json()) as { id: string }[];
    if (menu.length === 0) throw new Error('the dish service seeded no menu');
    const ids = menu.map((d) => d.id);
    result.dishes = ids.length;
    const targets: Target[] = [
      { server: 'dish', ...dish, requests: writeRequests(ids, TOKEN) },
      { server: 'bare', ...bare, requests: writeRequests(ids, undefined) },
    ];
    // Alternating per step, so that a change in the machine's load falls on both servers alike.
    for (const connections of o.connections) {
      for (const target of targets) result.steps.push(await measure(ctx, redis, target, connections));
    }
    const gone = dead();
    if (gone) Object.assign(result, { status: 'crashed', reason: `${gone.name} exited\n${gone.tail()}` });
    ctx.log(`writes: ${result.steps.length} steps in ${Math.round((performance.now() - startedAt) / 1000)} s`);
  } catch (err) {
    const gone = dead();
    result.status = gone ? 'crashed' : 'failed';
    result.reason = gone ? `${gone.name} exited: ${(err as Error).message}\n${gone.tail()}` : (err as Error).message;
    ctx.log(`writes: ${result.status}: ${result.reason}`);
  } finally {
    for (const p of started.reverse()) await p.stop();
    redis.disconnect();
  }
  // The profile is written when the service exits, so it is read after the stop.
  const summary = profile ? readProfile(profile) : undefined;
  if (summary) {
    result.profile = summary;
    ctx.log(profileLine('dish service (writes)', summary));
  }
  return result;
}
