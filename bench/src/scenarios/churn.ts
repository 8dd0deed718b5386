// Scenario: connection churn. A server SIGKILLed under many held clients, events written while it is down, the
// server restarted on the same port, every client reconnecting at once (Dish Live's with its last event id): the
// accepts per second, the time to open and, for the gateways, to `resumed`, with every event checked exactly once.
import { readFileSync } from 'node:fs';
import { cpuBetween, sampleCpu } from '../cpu.js';
import { Publisher } from '../publisher.js';
import type { ChurnResult } from '../results.js';
import { startServer, unavailable, type RunningServer, type ServerDef } from '../servers.js';
import { churnFailure, listenOverflows, mergeHeld, notBack, reconnectFigures, stormCpu } from './churn-figures.js';
import { connectRedis, noteEarlyCloses, sleep, type Context } from './context.js';
import { Crash, exited } from './fanout.js';

/** Held clients opened at once while the server is first filled (the storm is the reconnect, not this). */
const FILL_CONCURRENCY = 200;

const overflows = () => listenOverflows(readFileSync('/proc/net/netstat', 'utf8'));

/** Polls the held clients until none is behind `target` and none silent (or the time is up); the last merged report. */
async function drainHeld(ctx: Context, target: number, timeoutMs: number) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const r = mergeHeld(await ctx.loadgen.heldReports(target));
    if ((r.behind === 0 && r.silent === 0) || performance.now() > deadline) return r;
    await sleep(50);
  }
}

/** Waits until every held client has seen its connection end (the kill reached them all), bounded. */
async function allClosed(ctx: Context, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { open } = mergeHeld(await ctx.loadgen.heldReports(-1));
    if (open === 0 || performance.now() > deadline) return open;
    await sleep(25);
  }
}

export async function runChurn(ctx: Context, def: ServerDef): Promise<ChurnResult> {
  const o = ctx.options.churn;
  const result: ChurnResult = {
    server: def.name, description: def.description, status: 'ok', clients: o.clients, events: { before: 0, down: 0, after: 0 },
    restartMs: 0, lost: 0, reordered: 0, undelivered: 0, snapshots: 0,
  };
  const missing = unavailable(def);
  if (missing) return { ...result, status: 'skipped', reason: missing };
  const prefix = ctx.prefix(`churn-${def.name}`);
  const redis = connectRedis(ctx.redisUrl);
  const serverCtx = { redisUrl: ctx.redisUrl, prefix, core: ctx.options.serverCore };
  let server: RunningServer | undefined;
  try {
    const publisher = await Publisher.broker(redis, prefix);
    server = await startServer(def, serverCtx);
    const { port } = server;
    // The gateways answer every connect (snapshot): a client is held once it has one. The peers say nothing first.
    noteEarlyCloses(ctx, `churn ${def.name} fill`, await ctx.loadgen.hold(def.client, port, def.path, o.clients, FILL_CONCURRENCY, def.dishLive));
    ctx.progress(`churn ${def.name}: ${o.clients} clients held`);
    result.events.before = (await publisher.run(o.rate, o.phaseMs)).sent;
    const held = await drainHeld(ctx, publisher.lastSeq, o.drainMs);
    if (held.behind > 0 || held.silent > 0 || held.withoutId > 0) {
      throw new Error(`before the kill: ${held.behind} events owed, ${held.silent} clients silent, ${held.withoutId} without a last id`);
    }
    if (exited(server)) throw new Crash(`${def.name} exited before the kill\n${server.process.tail()}`);

    const killedAt = performance.now();
    server.process.kill('SIGKILL');
    await server.process.exited;
    const stillOpen = await allClosed(ctx, 10_000);
    if (stillOpen > 0) throw new Error(`${stillOpen} clients still open 10 s after the kill`);
    result.events.down = (await publisher.run(o.rate, o.phaseMs)).sent;
    server = await startServer(def, { ...serverCtx, port });
    result.restartMs = Math.round(performance.now() - killedAt);

    // The storm: every held client at once, timed from its own attempt, the new process already listening.
    const pids = [server.process.pid, ...ctx.loadgen.pids];
    const before = sampleCpu(pids);
    const overflowsBefore = overflows();
    const reconnect = reconnectFigures(await ctx.loadgen.reconnect(port, def.path, def.dishLive, def.dishLive));
    noteEarlyCloses(ctx, `churn ${def.name} storm`, { earlyCloses: reconnect.earlyCloses ?? 0 });
    const usage = cpuBetween(before, sampleCpu(pids));
    const overflowsAfter = overflows();
    if (overflowsBefore !== undefined && overflowsAfter !== undefined) reconnect.listenOverflows = overflowsAfter - overflowsBefore;
    result.reconnect = reconnect;
    result.cpu = stormCpu(usage, performance.now() - before.at, server.process.pid, ctx.loadgen.pids, ctx.options.loadgenCore, reconnect.opened);
    result.snapshots = reconnect.firstTypes.snapshot ?? 0;
    if (def.dishLive) {
      // The resumed streams go on live: the events after the return must follow the replayed ones, in order.
      result.events.after = (await publisher.run(o.rate, o.phaseMs)).sent;
      const end = await drainHeld(ctx, publisher.lastSeq, o.drainMs);
      result.lost = end.counters.lost;
      result.reordered = end.counters.reordered;
      result.undelivered = end.behind;
    }
    if (exited(server)) throw new Crash(`${def.name} exited after the reconnect\n${server.process.tail()}`);
    const failure = churnFailure(result, def.dishLive);
    if (failure) {
      result.status = 'failed';
      result.reason = failure;
    }
    const missed = notBack(result);
    ctx.log(
      `churn ${def.name.padEnd(12)} ${reconnect.opened}/${o.clients} back: ${reconnect.connectsPerSec} connects/s (${reconnect.openSpanMs} ms), ` +
        `open p50 ${reconnect.open.p50} p99 ${reconnect.open.p99} max ${reconnect.open.max} ms` +
        (def.dishLive
          ? `, resumed p50 ${reconnect.first.p50} p99 ${reconnect.first.p99} max ${reconnect.first.max} ms (all in ${reconnect.firstSpanMs} ms); ` +
            `${result.snapshots} snapshots, lost ${result.lost}, reordered ${result.reordered}, owed ${result.undelivered}`
          : '') +
        `${reconnect.listenOverflows ? `; ${reconnect.listenOverflows} connects dropped at a full accept queue` : ''}` +
        `; server CPU ${result.cpu.serverUsPerClient} µs/client, loadgen core ${result.cpu.loadgenCorePct}%${result.cpu.loadgenLimited ? ' [loadgen-limited]' : ''}` +
        `; restart ${result.restartMs} ms (not counted)${missed ? `; ${missed}` : ''}${failure ? ` — ${failure}` : ''}`,
    );
  } catch (err) {
    // The kill was asked for: only an exit nobody asked for is a crash.
    result.status = err instanceof Crash || server?.process.crashed() ? 'crashed' : 'failed';
    result.reason = (err as Error).message;
    ctx.log(`churn ${def.name}: ${result.status}: ${result.reason}`);
  } finally {
    await ctx.loadgen.closeAll();
    await server?.process.stop();
    redis.disconnect();
  }
  return result;
}
