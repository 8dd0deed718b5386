// The cost and ceiling scenarios' report: CPU per million deliveries beside the raw peers, and each server's ceiling under the same CPU budget.
import { formatRate } from '../format.js';
import type { RunResult } from '../results.js';
import type { CeilingResult } from '../scenarios/ceiling.js';
import { compareCost, KEPT_UP_P99_MS, type CostResult } from '../scenarios/cost-figures.js';
import { renderMarkdown, type Table } from './table.js';

const v = (n: number | null | undefined, suffix = '') => (n === null || n === undefined ? '—' : `${n}${suffix}`);

/** One row per server and rate, in the order measured; the ratio column is against the same transport's raw server. */
export function costTable(cost: CostResult[]): Table {
  const ratios = compareCost(cost);
  return {
    head: ['server', 'deliveries/s asked', 'delivered/s', 'p99 ms', 'CPU-s per M (user + sys)', 'vs raw', 'sys vs raw', 'write syscalls per delivery', 'deliveries per write', 'server CPU', 'notes'],
    rows: cost.flatMap((c) => [
      ...c.steps.map((s) => {
        const r = ratios.find((x) => x.server === c.server && x.rate === s.rate);
        return [
          c.server, formatRate(s.targetDeliveriesPerSec), formatRate(s.step.deliveriesPerSec), String(s.step.latency.p99),
          `${v(s.cpuPerM)} (${v(s.userPerM)} + ${v(s.sysPerM)})`,
          r ? `${v(r.ratio, '×')}${r.flagged && r.ratio !== null ? '*' : ''} ${r.raw}` : 'raw', r ? `${v(r.sysRatio, '×')}${r.flagged && r.sysRatio !== null ? '*' : ''}` : '', v(s.writesPerDelivery), v(s.deliveriesPerWrite), `${s.step.cpu.server}%`, s.flags.join('; '),
        ];
      }),
      ...(c.status !== 'ok' ? [[c.server, '', '', '', '', '', '', '', '', '', `${c.status}: ${(c.reason ?? '').split('\n')[0]!.slice(0, 80)}`]] : []),
      ...(c.undelivered > 0
        ? [[c.server, '', '', '', '', '', '', '', '', '', `${formatRate(c.undelivered)} deliveries still owed after the final drain: ${c.undeliveredIsLate ? 'late (a peer that fell behind)' : 'lost'}`]]
        : []),
      ...(c.skippedRates.length
        ? [[c.server, c.skippedRates.map((r) => formatRate(r * c.clients)).join(', '), '', '', '', '', '', '', '', '', 'not run: a lower rate was not kept up with']]
        : []),
    ]),
  };
}

export function ceilingTable(c: CeilingResult): Table {
  return {
    head: ['server', 'round', 'CPU budget', 'ceiling deliveries/s', 'stopped by', 'at ev/s (next)', 'p99 ms at ceiling', 'server CPU at ceiling', 'loadgen core at ceiling', 'throttled periods', 'notes'],
    rows: c.rounds.map((r) => {
      const best = r.steps.filter((s) => s.keptUp).at(-1);
      const next = r.steps.find((s) => !s.keptUp);
      const t = best?.throttling;
      return [
        r.server, String(r.round), r.budgetCores === null ? 'none (whole core)' : `${r.budgetCores} core`,
        `${r.ceiling === null ? '—' : formatRate(r.ceiling)}${r.isFloor ? ' (floor)' : ''}`, r.stoppedBy,
        `${best ? best.step.rate : '—'} (${next ? `${next.step.rate}: ${next.step.verdict}` : '—'})`,
        best ? String(best.step.latency.p99) : '—', best ? `${best.step.cpu.server}%` : '—', best ? `${best.step.cpu.loadgenCore}%` : '—',
        `${t ? `${t.throttled}/${t.periods}` : '—'}${next?.throttling ? ` (${next.throttling.throttled}/${next.throttling.periods})` : ''}`,
        [r.status !== 'ok' ? `${r.status}: ${(r.reason ?? '').split('\n')[0]!.slice(0, 60)}` : '', best?.step.loadgenLimited ? 'loadgen-limited' : ''].filter(Boolean).join('; '),
      ];
    }),
  };
}

/** The summary's lines: CPU per delivery over the raw peer at each rate, and the ceiling ratio. */
export function costSummaryRows(run: RunResult): string[][] {
  const s = run.summary;
  const rows: string[][] = [];
  for (const server of ['ws-gateway', 'sse-gateway'] as const) {
    const mine = (s.costVsRaw ?? []).filter((c) => c.server === server);
    if (!mine.length) continue;
    rows.push([
      `${server} CPU per delivery / ${mine[0]!.raw}`,
      mine.map((c) => `${v(c.ratio, '×')}${c.flagged && c.ratio !== null ? '*' : ''} at ${formatRate(c.deliveriesPerSec)}/s`).join(', '),
      '< 1× (coalescing); * a side not kept up',
      '',
    ]);
  }
  if (s.ceilingRatio !== undefined) {
    const budget = run.ceiling?.budget ? `${run.ceiling.budget.cores} core each` : 'unbudgeted';
    rows.push([`ws-gateway ceiling / raw uWS (${budget})`, `${v(s.ceilingRatio, '×')} (${s.ceilingRatioBound ?? 'unknown'})`, '—', '']);
  }
  return rows;
}

export function costSection(cost: CostResult[] | undefined): string {
  if (!cost?.length) return '_Not run._';
  const c = cost[0]!;
  return `Each server alone on the server's core, ${c.clients} clients, the publish rate held at ${c.steps.map((s) => s.rate).join(', ')} ev/s (${c.steps.map((s) => formatRate(s.targetDeliveriesPerSec)).join(', ')} deliveries/s) for the step, then its drain. **CPU-s per M** is the server process's utime and stime (\`/proc/<pid>/stat\`) over the step and its drain, per million deliveries the clients counted in that time; **write syscalls per delivery** are its \`write\`, \`writev\`, \`sendto\` and \`sendmsg\` calls (perf's syscall tracepoints on the server's pid; uWebSockets.js sends with \`send(2)\`, which \`/proc/<pid>/io\` does not count) per delivery, and **deliveries per write** how many messages one such call carried. **vs raw** is that cost over the same transport's raw server at the same rate, marked * unless both kept up with it (everything delivered in order, nothing conflated or owed after the drain, the publisher at the rate, p99 ≤ ${KEPT_UP_P99_MS} ms): a side that fell behind spent its CPU on a backlog, not on the rate. A rate not kept up with is flagged in the notes and higher ones are not run.

The gateways coalesce (\`COALESCE_MS=10\`): under load a client gets one write per 10 ms carrying every event of the window (the ws-gateway corks the window's frames into one send, the sse-gateway writes one chunk), so their writes per second are bounded by clients × 100 whatever the rate, and each write carries more messages as the rate grows: rate / 100 per write once every window is full. The raw servers do not write strictly one message per send either, and the **deliveries per write** column shows how far: raw uWebSockets.js's \`app.publish\` queues a message for each subscriber and sends the queue when the event-loop turn ends, so every message the Redis subscriber read in one turn goes out in one send; node:http queues writes behind a socket still busy and sends them with one \`writev\`, so a receiver that falls behind (a saturated load generator) batches them too. Their batching is incidental — it grows with the publisher's bursts and with the clients' lag — where the gateways' is a bound. On loopback a send's kernel side includes the receiver's TCP work, so fewer, larger sends mostly show in **sys**; what the gateways spend per event in user space (the fan-out's bookkeeping, each client's queue and its window's timer) is paid back only when a window holds enough events, which is why their advantage is smallest at the lowest rate and where the raw server's own batching is already high.

${renderMarkdown(costTable(cost))}`;
}

export function ceilingSection(c: CeilingResult | undefined): string {
  if (!c?.rounds.length) return '_Not run._';
  const budget = c.budget
    ? `each held to **${c.budget.cores} core** by a cgroup v1 CFS quota (${c.budget.quotaUs / 1000} ms per ${c.budget.periodUs / 1000} ms period, so a throttled server waits at most that, not a 100 ms default period), pinned to the server's core as ever, so the load generator's core has ${Math.round(10 / c.budget.cores) / 10}× the server's CPU`
    : `**unbudgeted** (${c.noBudget ?? 'no cgroup'}): each server had its whole core, so a loadgen-limited stop is likely and the ceilings are floors`;
  const ratio = c.ratio === null ? '—' : `${c.ratio}×`;
  // The best rounds can come from different moments of a shared machine: each round's own pair says how far they agree.
  const perRound = [...new Set(c.rounds.map((r) => r.round))].map((n) => {
    const at = (server: string) => c.rounds.find((r) => r.round === n && r.server === server)?.ceiling;
    const ws = at('ws-gateway');
    const raw = at('uws-raw');
    return `round ${n}: ${ws && raw ? `${Math.round((ws / raw) * 100) / 100}×` : '—'}`;
  });
  return `ws-gateway and raw uWebSockets.js in alternating rounds, ${c.clients} clients, ${budget}. Each round steps the publish rate until a step is not kept up with (the cost scenario's rule), and says what stopped it: **server** — the server's quota ran out in at least half the step's periods (**throttled periods**: at the ceiling, and in brackets at the next rate), or it used ≥ 90 % of its budget, or nothing else fell short; **loadgen** — the load generator's core > 90 % busy; **publisher** — the publisher short of the rate; **grid** — no rate left. Anything but **server** makes the ceiling a **floor**. A server's ceiling is its best round's. ws-gateway / raw uWS: **${ratio}** (${c.ratioBound}: exact when both stopped on their own budget; at least / at most when one side is a floor); round by round, ${perRound.join(', ')}.

${renderMarkdown(ceilingTable(c))}`;
}
