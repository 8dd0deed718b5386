// Scenario 1, fan-out: many clients, the publish rate stepped up until p99 passes the limit or a message is lost.
import { join } from 'node:path';
import { profileLine, readProfile } from '../profile.js';
import { Publisher } from '../publisher.js';
import type { FanoutResult } from '../results.js';
import { startServer, unavailable, type RunningServer, type ServerDef } from '../servers.js';
import { connectRedis, drain, measureStep, stepLine, type Context } from './context.js';

const GROUP = 'fanout';

export async function runFanout(ctx: Context, def: ServerDef): Promise<FanoutResult> {
  const o = ctx.options.fanout;
  const result: FanoutResult = {
    server: def.name, description: def.description, status: 'ok', clients: o.clients, steps: [], maxSustained: null, peakDeliveries: null,
    lost: 0, reordered: 0,
    undelivered: 0,
  };
  const missing = unavailable(def);
  if (missing) return { ...result, status: 'skipped', reason: missing };
  const prefix = ctx.prefix(`fanout-${def.name}`);
  const profileFile = ctx.options.profileDir ? join(ctx.options.profileDir, `fanout-${def.name}`) : undefined;
  const redis = connectRedis(ctx.redisUrl);
  let server: RunningServer | undefined;
  try {
    // The bench dish exists before a gateway starts, so it is in the gateway's snapshot.
    // Every server, peers too, is fed through the broker: the same bytes, and the same Redis and publisher work on the
    // load generator's core (plain PUBLISH for peers left it ~9 points more CPU in their runs).
    const publisher = await Publisher.broker(redis, prefix);
    server = await startServer(def, { redisUrl: ctx.redisUrl, prefix, core: ctx.options.serverCore, profile: profileFile });
    const c = await ctx.loadgen.connect(def.client, server.port, def.path, o.clients, GROUP);
    if (c.failed > 0) throw new Error(`${c.failed} of ${o.clients} clients could not connect: ${c.firstError}`);
    // Warm-up: every client gets its first sequence number before anything is measured.
    await publisher.run(o.rates[0] ?? 50, 500);
    await drain(ctx, GROUP, publisher.lastSeq, 5000);
    const pid = server.process.pid;
    const measure = (rate: number) =>
      measureStep(ctx, {
        label: `fanout ${def.name}`, publisher, rate, durationMs: o.stepMs, drainMs: o.drainMs, group: GROUP, serverPids: [pid], p99LimitMs: o.p99LimitMs,
      });
    for (const rate of o.rates) {
      let step = await measure(rate);
      // One latency spike on a shared machine should not end a server's run: a step that failed on p99 alone
      // (nothing lost or reordered) is repeated once, and the repeat counts.
      if (!step.sustained && step.verdict.startsWith('p99')) {
        ctx.log(`${stepLine(`fanout ${def.name.padEnd(12)}`, step)} (repeating once)`);
        step = { ...(await measure(rate)), repeatOf: step.verdict };
      }
      result.steps.push(step);
      ctx.log(stepLine(`fanout ${def.name.padEnd(12)}`, step));
      if (exited(server)) throw new Crash(`${def.name} exited during the step at ${rate} ev/s\n${server.process.tail()}`);
      if (!step.sustained) break;
    }
    // Late is not lost: whatever a slow server still owes when stepping stops has until now to arrive.
    const g = await drain(ctx, GROUP, publisher.lastSeq, o.finalDrainMs);
    result.undelivered = g?.behind ?? 0;
    if (result.undelivered > 0) ctx.log(`fanout ${def.name}: ${result.undelivered} deliveries never arrived`);
  } catch (err) {
    result.status = err instanceof Crash ? 'crashed' : 'failed';
    result.reason = (err as Error).message;
    ctx.log(`fanout ${def.name}: ${result.status}: ${result.reason}`);
  } finally {
    await ctx.loadgen.closeAll();
    if (server && exited(server) && result.status === 'ok') {
      result.status = 'crashed';
      result.reason = `${def.name} exited\n${server.process.tail()}`;
    }
    await server?.process.stop();
    redis.disconnect();
  }
  if (profileFile) {
    result.profile = readProfile(profileFile);
    ctx.log(result.profile ? profileLine(def.name, result.profile) : `fanout ${def.name}: no profile written (${profileFile})`);
  }
  result.lost = result.steps.reduce((s, x) => s + x.lost, 0) + result.undelivered;
  result.reordered = result.steps.reduce((s, x) => s + x.reordered, 0);
  // A server that lost or reordered anything gets no throughput figure, however fast it was.
  const sustained = result.steps.filter((s) => s.sustained).map((s) => s.deliveriesPerSec);
  result.maxSustained = result.lost === 0 && result.reordered === 0 && sustained.length ? Math.max(...sustained) : null;
  const clean = result.steps.filter((s) => s.lost === 0 && s.reordered === 0).map((s) => s.deliveriesPerSec);
  result.peakDeliveries = result.lost === 0 && result.reordered === 0 && clean.length ? Math.max(...clean) : null;
  return result;
}

export class Crash extends Error {}

export function exited(server: RunningServer): boolean {
  return server.process.child.exitCode !== null || server.process.child.signalCode !== null;
}
