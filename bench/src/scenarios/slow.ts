// Scenario 4, slow consumers: a share of the clients stops reading; the others' throughput and latency must hold.
import { rssBytes } from '@dish-live/test-support';
import { Publisher } from '../publisher.js';
import type { SlowResult } from '../results.js';
import { startServer, unavailable, type RunningServer, type ServerDef } from '../servers.js';
import { connectRedis, drain, measureStep, stepLine, type Context } from './context.js';
import { exited } from './fanout.js';

const HEALTHY = 'healthy';
const SLOW = 'slow';

export async function runSlow(ctx: Context, def: ServerDef): Promise<SlowResult> {
  const o = ctx.options.slow;
  const result: SlowResult = { server: def.name, status: 'ok', clients: o.clients, slowClients: 0, rate: o.rate, undelivered: 0 };
  const missing = unavailable(def);
  if (missing) return { ...result, status: 'skipped', reason: missing };
  const prefix = ctx.prefix(`slow-${def.name}`);
  const redis = connectRedis(ctx.redisUrl);
  let server: RunningServer | undefined;
  let sampler: ReturnType<typeof setInterval> | undefined;
  try {
    // Every server, peers too, is fed through the broker: the same bytes, and the same Redis and publisher work on the
    // load generator's core (plain PUBLISH for peers left it ~9 points more CPU in their runs).
    const publisher = await Publisher.broker(redis, prefix);
    server = await startServer(def, { redisUrl: ctx.redisUrl, prefix, core: ctx.options.serverCore });
    const pid = server.process.pid;
    const c = await ctx.loadgen.connect(def.client, server.port, def.path, o.clients, HEALTHY);
    if (c.failed > 0) throw new Error(`${c.failed} of ${o.clients} clients could not connect: ${c.firstError}`);
    await publisher.run(o.rate, 500);
    await drain(ctx, HEALTHY, publisher.lastSeq, 5000);
    const step = (label: string, durationMs: number) =>
      measureStep(ctx, {
        label, publisher, rate: o.rate, durationMs, drainMs: 5000, group: HEALTHY, serverPids: [pid], p99LimitMs: 100,
      });
    result.baseline = await step(`slow ${def.name} baseline`, o.baselineMs);
    ctx.log(stepLine(`slow   ${def.name.padEnd(12)} baseline    `, result.baseline));
    await ctx.loadgen.pause(HEALTHY, o.fraction, SLOW);
    const series: number[] = [rssBytes(pid)];
    sampler = setInterval(() => series.push(rssBytes(pid)), 500);
    result.withSlow = await step(`slow ${def.name} ${Math.round(o.fraction * 100)}% stalled`, o.slowMs);
    ctx.log(stepLine(`slow   ${def.name.padEnd(12)} ${Math.round(o.fraction * 100)}% stalled`, result.withSlow));
    result.undelivered = (await drain(ctx, HEALTHY, publisher.lastSeq, o.catchUpMs))?.behind ?? 0;
    const meanSize = result.withSlow.delivered ? result.withSlow.bytes / result.withSlow.delivered : 0;
    // A paused socket sees neither data nor a close: the stalled clients read again to show what the server did.
    await ctx.loadgen.resume(SLOW);
    const slow = await drain(ctx, SLOW, publisher.lastSeq, o.catchUpMs);
    result.slowClients = (slow?.open ?? 0) + (slow?.ended ?? 0);
    result.slow = {
      events: slow?.counters.events ?? 0,
      conflated: slow?.counters.conflated ?? 0,
      lost: slow?.counters.lost ?? 0,
      reordered: slow?.counters.reordered ?? 0,
      stillBehind: slow?.open ? (slow.behind > 0 || slow.silent > 0 ? slow.open : 0) : 0,
      ended: slow?.ended ?? 0,
      endReasons: slow?.endReasons ?? {},
      unreadBytesPerClient: Math.round(result.withSlow.published * meanSize),
    };
    clearInterval(sampler);
    series.push(rssBytes(pid));
    result.rss = { startBytes: series[0]!, peakBytes: Math.max(...series), endBytes: series.at(-1)!, seriesBytes: series };
    ctx.log(
      `slow   ${def.name.padEnd(12)} ${result.slowClients} stalled clients, ${(result.slow.unreadBytesPerClient / 1048576).toFixed(1)} MB unread each: ` +
        `${result.slow.ended} disconnected (${Object.keys(result.slow.endReasons).join(', ') || '—'}), ${result.slow.conflated} events conflated, ` +
        `${result.slow.lost} lost, ${result.slow.stillBehind} still behind; ` +
        `server RSS ${(result.rss.startBytes / 1048576).toFixed(0)} → peak ${(result.rss.peakBytes / 1048576).toFixed(0)} MB`,
    );
    if (exited(server)) throw new Error(`${def.name} exited\n${server.process.tail()}`);
  } catch (err) {
    result.status = server && exited(server) ? 'crashed' : 'failed';
    result.reason = (err as Error).message;
    ctx.log(`slow ${def.name}: ${result.status}: ${result.reason}`);
  } finally {
    if (sampler) clearInterval(sampler);
    await ctx.loadgen.closeAll();
    await server?.process.stop();
    redis.disconnect();
  }
  return result;
}
