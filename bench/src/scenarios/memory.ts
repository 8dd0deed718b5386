// Scenario 2, memory: many idle connections per server, resident memory per connection.
import { collectGarbage, rssBytes, waitForInspector } from '@dish-live/test-support';
import { Publisher } from '../publisher.js';
import type { MemoryResult } from '../results.js';
import { startServer, unavailable, type RunningServer, type ServerDef } from '../servers.js';
import { connectRedis, drain, sleep, type Context } from './context.js';
import { exited } from './fanout.js';

const GROUP = 'memory';

/** The median of a few samples, so one allocation spike does not decide the figure. */
async function steadyRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssBytes(pid));
    await sleep(200);
  }
  return samples.sort((a, b) => a - b)[2]!;
}

export async function runMemory(ctx: Context, def: ServerDef): Promise<MemoryResult> {
  const o = ctx.options.memory;
  const result: MemoryResult = {
    server: def.name, status: 'ok', requested: o.connections, connections: 0, failed: 0,
    rssBeforeBytes: 0, rssAfterBytes: 0, bytesPerConn: null, verified: false, lost: 0, reordered: 0,
  };
  const missing = unavailable(def);
  if (missing) return { ...result, status: 'skipped', reason: missing };
  const prefix = ctx.prefix(`memory-${def.name}`);
  const redis = connectRedis(ctx.redisUrl);
  let server: RunningServer | undefined;
  try {
    // Every server, peers too, is fed through the broker: the same bytes, and the same Redis and publisher work on the
    // load generator's core (plain PUBLISH for peers left it ~9 points more CPU in their runs).
    const publisher = await Publisher.broker(redis, prefix);
    server = await startServer(def, { redisUrl: ctx.redisUrl, prefix, core: ctx.options.serverCore, inspect: true });
    const inspector = await waitForInspector(server.process);
    const pid = server.process.pid;
    // Both figures: RSS with the connections as V8 left it (how much garbage it holds depends on when it last
    // collected: ±15 % between identical runs), and after a full collection, which is live memory and what the
    // target is checked against. The baseline is taken after a collection, the state the connections start from.
    // One event before it, so lazily built per-process state is not charged to the connections.
    await publisher.run(20, 100);
    await sleep(o.settleMs);
    await collectGarbage(inspector);
    result.rssBeforeBytes = await steadyRss(pid);
    const c = await ctx.loadgen.connect(def.client, server.port, def.path, o.connections, GROUP);
    result.connections = c.connected;
    result.failed = c.failed;
    ctx.progress(`memory ${def.name}: ${c.connected} idle connections open${c.failed ? `, ${c.failed} failed (${c.firstError})` : ''}`);
    await sleep(o.settleMs);
    result.rssAfterNoGcBytes = await steadyRss(pid);
    await collectGarbage(inspector);
    result.rssAfterBytes = await steadyRss(pid);
    if (c.connected > 0) {
      result.bytesPerConn = Math.round((result.rssAfterBytes - result.rssBeforeBytes) / c.connected);
      result.bytesPerConnNoGc = Math.round((result.rssAfterNoGcBytes - result.rssBeforeBytes) / c.connected);
    }
    // Idle is not dead: a few events must still reach every connection, in order.
    await ctx.loadgen.window();
    const published = await publisher.run(20, 150);
    const g = await drain(ctx, GROUP, published.lastSeq, 10_000);
    result.lost = (g?.counters.lost ?? 0) + (g?.behind ?? 0);
    result.reordered = g?.counters.reordered ?? 0;
    result.verified = g !== undefined && g.open === c.connected && result.lost === 0 && result.reordered === 0 && g.silent === 0;
    if (c.failed > 0) throw new Error(`${c.failed} of ${o.connections} connections failed: ${c.firstError}`);
    ctx.log(
      `memory ${def.name.padEnd(12)} ${c.connected} idle: ${((result.rssAfterBytes - result.rssBeforeBytes) / 1048576).toFixed(1)} MB → ` +
        `${result.bytesPerConn} B/conn after a full GC (${result.bytesPerConnNoGc} B without), ${result.verified ? 'events verified' : `NOT verified (open ${g?.open}, lost ${result.lost}, silent ${g?.silent})`}`,
    );
  } catch (err) {
    result.status = server && exited(server) ? 'crashed' : 'failed';
    result.reason = (err as Error).message;
    ctx.log(`memory ${def.name}: ${result.status}: ${result.reason}`);
  } finally {
    await ctx.loadgen.closeAll();
    await server?.process.stop();
    redis.disconnect();
  }
  return result;
}
