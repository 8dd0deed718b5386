// Scenario 3, end to end: PATCH /api/dishes/:id → dish service → Redis → gateways → clients, and polling beside them.
import type { SupervisedProcess } from '@dish-live/test-support';
import { cpuBetween, sampleCpu } from '../cpu.js';
import { LatencyHistogram, summarize } from '../loadgen/stats.js';
import { Publisher } from '../publisher.js';
import type { E2eResult, TransportE2e } from '../results.js';
import { DISH_SERVICE_ENTRY, SERVERS, startDishService, startServer, unavailable, type RunningServer } from '../servers.js';
import { existsSync } from 'node:fs';
import { connectRedis, drain, sleep, type Context } from './context.js';
import { formatRate } from '../format.js';

const TOKEN = 'bench-token';

export async function runE2e(ctx: Context): Promise<E2eResult> {
  const o = ctx.options.e2e;
  const result: E2eResult = { status: 'ok', rate: o.rate, durationMs: o.durationMs, pollIntervalMs: o.pollIntervalMs, published: 0, transports: {} };
  const missing = [unavailable(SERVERS['ws-gateway']), unavailable(SERVERS['sse-gateway'])].find(Boolean) ??
    (existsSync(DISH_SERVICE_ENTRY) ? undefined : `${DISH_SERVICE_ENTRY} missing (build with: npx tsc -b tsconfig.build.json)`);
  if (missing) return { ...result, status: 'skipped', reason: missing };
  const prefix = ctx.prefix('e2e');
  const redis = connectRedis(ctx.redisUrl);
  const started: SupervisedProcess[] = [];
  try {
    const seed = await Publisher.broker(redis, prefix);
    const server = { redisUrl: ctx.redisUrl, prefix, core: ctx.options.serverCore };
    const dish = await startDishService(server, TOKEN);
    started.push(dish.process);
    const ws: RunningServer = await startServer(SERVERS['ws-gateway'], server);
    started.push(ws.process);
    const sse: RunningServer = await startServer(SERVERS['sse-gateway'], server);
    started.push(sse.process);
    const counts = { ws: o.wsClients, sse: o.sseClients };
    for (const [group, running] of [['ws', ws], ['sse', sse]] as const) {
      const c = await ctx.loadgen.connect(running.def.client, running.port, running.def.path, counts[group], group);
      if (c.failed > 0) throw new Error(`${c.failed} ${group} clients could not connect: ${c.firstError}`);
    }
    await ctx.loadgen.poll(dish.port, o.pollers, o.pollIntervalMs, 'poll');
    // Let the pollers take their snapshot before anything is measured.
    await sleep(o.pollIntervalMs + 200);
    await ctx.loadgen.window();
    const pids = started.map((p) => p.pid);
    const a = sampleCpu([...pids, ...ctx.loadgen.pids]);
    const publisher = Publisher.http(dish.port, TOKEN, seed.lastSeq);
    const published = await publisher.run(o.rate, o.durationMs);
    result.published = published.sent;
    result.patchRtt = summarize(published.writeLatency);
    for (const group of ['ws', 'sse', 'poll'] as const) await drain(ctx, group, published.lastSeq, o.pollIntervalMs * 2 + 2000);
    const usage = cpuBetween(a, sampleCpu([...pids, ...ctx.loadgen.pids]));
    const report = await ctx.loadgen.report(published.lastSeq);
    for (const group of ['ws', 'sse', 'poll'] as const) {
      const g = report[group];
      if (!g) continue;
      const t: TransportE2e = {
        clients: g.open,
        delivered: g.counters.events,
        latency: summarize(g.latency ?? new LatencyHistogram()),
        lost: g.counters.lost + g.behind,
        reordered: g.counters.reordered,
        behind: g.behind,
      };
      result.transports[group] = t;
      ctx.log(
        `e2e ${group.padEnd(4)} ${t.clients} clients: ${formatRate(t.delivered)} events, p50 ${t.latency.p50} p99 ${t.latency.p99} max ${t.latency.max} ms, lost ${t.lost}, reordered ${t.reordered}`,
      );
    }
    result.serverCpu = Math.round(pids.reduce((s, pid) => s + (usage.procs[pid] ?? 0), 0) * 10) / 10;
    ctx.log(`e2e PATCH round trip p50 ${result.patchRtt.p50} p99 ${result.patchRtt.p99} ms at ${published.rate} ev/s; cpu dish+gateways ${result.serverCpu}%`);
    const dead = started.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
    if (dead) {
      result.status = 'crashed';
      result.reason = `${dead.name} exited\n${dead.tail()}`;
    }
  } catch (err) {
    const dead = started.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
    result.status = dead ? 'crashed' : 'failed';
    result.reason = (err as Error).message;
    ctx.log(`e2e: ${result.status}: ${result.reason}`);
  } finally {
    await ctx.loadgen.closeAll();
    for (const p of started.reverse()) await p.stop();
    redis.disconnect();
  }
  return result;
}
