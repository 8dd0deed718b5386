// The cost scenario: each fan-out server at fixed rates below saturation, its CPU-seconds and write syscalls per million deliveries.
import { readProcUsage, usageBetween } from '../proc-usage.js';
import { unavailable, type ServerDef } from '../servers.js';
import { SyscallCounter } from '../syscalls.js';
import { measureStep, stepLine, type Context } from './context.js';
import { costLoss, costStep, type CostResult } from './cost-figures.js';
import { Crash } from './fanout.js';
import { openSession, type Session } from './session.js';

export async function runCost(ctx: Context, def: ServerDef): Promise<CostResult> {
  const o = ctx.options.cost;
  const result: CostResult = {
    server: def.name, status: 'ok', clients: o.clients, steps: [], skippedRates: [], lost: 0, reordered: 0, undelivered: 0, undeliveredIsLate: false,
  };
  const missing = unavailable(def);
  if (missing) return { ...result, status: 'skipped', reason: missing };
  let session: Session | undefined;
  try {
    session = await openSession(ctx, def, 'cost', o.clients, o.rates[0] ?? 50);
    const s = session;
    for (const [i, rate] of o.rates.entries()) {
      const before = readProcUsage(s.pid);
      const syscalls = SyscallCounter.start(s.pid);
      let writes: number | null = null;
      let step;
      try {
        step = await measureStep(ctx, {
          label: `cost ${def.name}`, publisher: s.publisher, rate, durationMs: o.stepMs, drainMs: o.drainMs, group: s.group, serverPids: [s.pid],
          p99LimitMs: ctx.options.fanout.p99LimitMs,
        });
      } finally {
        writes = (await syscalls?.stop()) ?? null;
      }
      const c = costStep(step, usageBetween(before, readProcUsage(s.pid)), writes);
      result.steps.push(c);
      ctx.log(`${stepLine(`cost ${def.name.padEnd(12)}`, step)}\n  ${costLine(c)}`);
      if (s.exited()) throw new Crash(`${def.name} exited during the step at ${rate} ev/s\n${s.server.process.tail()}`);
      // A rate not kept up with has no cost per delivery of its own; higher ones would only repeat that.
      if (!c.keptUp) {
        result.skippedRates = o.rates.slice(i + 1);
        break;
      }
    }
    result.undelivered = await s.finalDrain(o.finalDrainMs);
    if (result.undelivered > 0) ctx.log(`cost ${def.name}: ${result.undelivered} deliveries still owed after the final drain`);
  } catch (err) {
    result.status = err instanceof Crash ? 'crashed' : 'failed';
    result.reason = (err as Error).message;
    ctx.log(`cost ${def.name}: ${result.status}: ${result.reason}`);
  } finally {
    if (session?.exited() && result.status === 'ok') {
      result.status = 'crashed';
      result.reason = `${def.name} exited\n${session.server.process.tail()}`;
    }
    await session?.close();
  }
  return { ...result, ...costLoss(result, def.dishLive) };
}

function costLine(c: ReturnType<typeof costStep>): string {
  return (
    `cpu-s per M deliveries ${c.cpuPerM ?? '?'} (user ${c.userPerM ?? '?'}, sys ${c.sysPerM ?? '?'}), ` +
    `write syscalls/delivery ${c.writesPerDelivery ?? '?'}, deliveries/write ${c.deliveriesPerWrite ?? '?'}${c.flags.length ? ` [${c.flags.join('; ')}]` : ''}`
  );
}
