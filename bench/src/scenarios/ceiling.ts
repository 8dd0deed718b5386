// The ceiling scenario: ws-gateway and raw uWS in alternating rounds, each held to the same CPU budget so the server, not the load generator, is the limit.
import { addToBudget, createCpuBudget, readThrottling, removeCpuBudget, throttlingBetween, type CpuBudget } from '../cgroup.js';
import { SERVERS, unavailable, type ServerDef } from '../servers.js';
import { measureStep, stepLine, type Context } from './context.js';
import {
  ceilingRatio, finishCeiling, keptUp, summarizeCeilings, type CeilingRound, type CeilingStep, type CeilingSummary,
} from './cost-figures.js';
import { Crash } from './fanout.js';
import { openSession, type Session } from './session.js';
import type { Status } from '../results.js';

export interface CeilingResult {
  status: Status;
  reason?: string;
  clients: number;
  /** The budget every server ran in; null with why when no cgroup could be made (every ceiling then unbudgeted). */
  budget: { cores: number; periodUs: number; quotaUs: number } | null;
  noBudget?: string;
  rounds: CeilingRound[];
  summaries: CeilingSummary[];
  ratio: number | null;
  ratioBound: 'exact' | 'at least' | 'at most' | 'unknown';
}

export async function runCeiling(ctx: Context): Promise<CeilingResult> {
  const o = ctx.options.ceiling;
  const made = createCpuBudget(`dish-live-bench-${process.pid}`, o.budgetCores, o.periodUs);
  const budget = typeof made === 'string' ? undefined : made;
  if (!budget) ctx.log(`ceiling: ${made as string}; the servers run unbudgeted and their ceilings are flagged`);
  const rounds: CeilingRound[] = [];
  try {
    for (let round = 1; round <= o.rounds; round++) {
      for (const name of o.servers) rounds.push(await ceilingRound(ctx, SERVERS[name], round, budget));
    }
  } finally {
    if (budget) removeCpuBudget(budget);
  }
  const summaries = summarizeCeilings(rounds);
  const { ratio, bound } = ceilingRatio(summaries);
  const failed = rounds.find((r) => r.status === 'crashed') ?? rounds.find((r) => r.status === 'failed');
  ctx.log(`ceiling: ${summaries.map((s) => `${s.server} ${s.ceiling ?? '—'}${s.isFloor ? ' (floor)' : ''}`).join(', ')}; ws-gateway / uws-raw ${ratio ?? '—'} (${bound})`);
  return {
    status: failed?.status ?? 'ok', ...(failed ? { reason: `${failed.server} round ${failed.round}: ${failed.reason ?? ''}` } : {}),
    clients: o.clients,
    budget: budget ? { cores: budget.cores, periodUs: budget.periodUs, quotaUs: budget.quotaUs } : null,
    ...(budget ? {} : { noBudget: made as string }),
    rounds, summaries, ratio, ratioBound: bound,
  };
}

async function ceilingRound(ctx: Context, def: ServerDef, round: number, budget: CpuBudget | undefined): Promise<CeilingRound> {
  const o = ctx.options.ceiling;
  const result: CeilingRound = {
    server: def.name, round, status: 'ok', budgetCores: null, steps: [], ceiling: null, stoppedBy: 'grid', isFloor: true, lost: 0, reordered: 0, undelivered: 0,
  };
  const missing = unavailable(def);
  if (missing) return { ...result, status: 'skipped', reason: missing };
  const label = `ceiling ${def.name} #${round}`;
  let session: Session | undefined;
  try {
    session = await openSession(ctx, def, 'ceiling', o.clients, o.rates[0] ?? 50, (pid) => {
      if (budget && !addToBudget(budget, pid)) throw new Error(`could not move ${def.name} (pid ${pid}) into ${budget.path}`);
    });
    result.budgetCores = budget?.cores ?? null;
    const s = session;
    for (const rate of o.rates) {
      const before = budget && readThrottling(budget);
      const step = await measureStep(ctx, {
        label, publisher: s.publisher, rate, durationMs: o.stepMs, drainMs: o.drainMs, group: s.group, serverPids: [s.pid], p99LimitMs: ctx.options.fanout.p99LimitMs,
      });
      const c: CeilingStep = { step, keptUp: keptUp(step), ...(budget && before ? { throttling: throttlingBetween(before, readThrottling(budget)) } : {}) };
      result.steps.push(c);
      const throttled = c.throttling ? `, throttled ${c.throttling.throttled}/${c.throttling.periods} periods` : '';
      ctx.log(`${stepLine(label.padEnd(22), step)}${throttled}${c.keptUp ? '' : ' (not kept up)'}`);
      if (s.exited()) throw new Crash(`${def.name} exited during the step at ${rate} ev/s\n${s.server.process.tail()}`);
      if (!c.keptUp) break;
    }
    result.undelivered = await s.finalDrain(o.finalDrainMs);
  } catch (err) {
    result.status = err instanceof Crash ? 'crashed' : 'failed';
    result.reason = (err as Error).message;
    ctx.log(`${label}: ${result.status}: ${result.reason}`);
  } finally {
    if (session?.exited() && result.status === 'ok') {
      result.status = 'crashed';
      result.reason = `${def.name} exited\n${session.server.process.tail()}`;
    }
    await session?.close();
  }
  return finishCeiling(result);
}
