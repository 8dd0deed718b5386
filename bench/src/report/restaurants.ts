// The restaurants scenario in the reports: the headline table (terminal and Markdown), its steps, churn and memory.
import { formatKb, formatRate } from '../format.js';
import type { RestaurantsCase, RestaurantsResult, RunResult, StepResult } from '../results.js';
import { KEEP_UP_P99_MS, keptUp } from '../scenarios/restaurants-figures.js';
import { renderMarkdown, type Table } from './table.js';

/** Target: the many-restaurants case sustains at least this share of the single restaurant's deliveries/s. */
export const RESTAURANTS_RATIO_TARGET = 0.8;
/** Target: a loaded restaurant costs the gateway at most this much live memory, its ring aside. */
export const RESTAURANT_VIEW_TARGET_BYTES = 20 * 1024;

const mb = (b: number | undefined) => (b === undefined ? '—' : `${(b / 1048576).toFixed(0)} MB`);
const mb1 = (b: number) => `${(b / 1048576).toFixed(1)} MB`;

const best = (steps: StepResult[]) => [...steps].sort((a, b) => b.deliveriesPerSec - a.deliveriesPerSec)[0];

/** The case's throughput: the best step kept up with, its p99, and whether it is a floor (and why). */
function keptUpCell(c: RestaurantsCase | undefined): string {
  if (!c) return '—';
  const top = best(c.steps.filter(keptUp));
  if (c.maxKeptUp === null || !top) return c.peakDeliveries === null ? '—' : `none (peak ${formatRate(c.peakDeliveries)})`;
  const floor = c.stoppedBy === 'gateway' ? '' : c.stoppedBy === 'grid' ? ' (floor: top step)' : ` (floor: ${c.stoppedBy})`;
  return `${formatRate(c.maxKeptUp)} at ${top.rate} ev/s, p99 ${top.latency.p99} ms${floor}`;
}

/** The best step within the fan-out's p99 bound, or none. */
function sustainedCell(c: RestaurantsCase | undefined): string {
  if (!c) return '—';
  const top = best(c.steps.filter((s) => s.sustained));
  return c.maxSustained === null || !top ? 'none' : `${formatRate(c.maxSustained)} (p99 ${top.latency.p99} ms)`;
}

/** The server's CPU per delivery at the case's best step kept up with: what one more delivery costs it there. */
function usPerDelivery(c: RestaurantsCase | undefined): string {
  const top = c && best(c.steps.filter(keptUp));
  return top && top.deliveriesPerSec > 0 ? `${((top.cpu.server * 10_000) / top.deliveriesPerSec).toFixed(2)} µs` : '—';
}

function churnCell(r: RestaurantsResult, kind: 'long' | 'short'): string {
  const c = r.churn.find((x) => x.kind === kind);
  if (!c) return '—';
  return `${c.totalMs} ms (p50 ${c.snapshot.p50} / p99 ${c.snapshot.p99} ms)${c.failed ? `, ${c.failed} failed` : ''}`;
}

export function restaurantsTable(results: RestaurantsResult[]): Table {
  return {
    head: [
      'server', 'many restaurants: deliveries/s kept up with', 'one restaurant: kept up with', 'many / one', 'p99 ≤ bound: many / one',
      'server CPU one → many (same deliveries/s)', 'server CPU per delivery at the best steps: one / many', 'RSS one / many', 'churn, views live: all back', 'churn, reloaded: all back',
      'live heap per restaurant (empty ring; with events)', 'per ring entry', 'lost / reordered',
    ],
    rows: results.map((r) => {
      if (r.status !== 'ok' && !r.many && !r.single) return [r.server, `${r.status}: ${(r.reason ?? '').split('\n')[0]}`, '', '', '', '', '', '', '', '', '', '', ''];
      const at = r.atCommonStep;
      const ring = r.memory.find((m) => m.heapPerRingEntry !== undefined);
      return [
        r.server + (r.status !== 'ok' ? ` (${r.status})` : ''),
        keptUpCell(r.many),
        keptUpCell(r.single),
        r.ratio === null ? '—' : `${r.ratio}×${r.ratioIsFloor ? ' (floor)' : ''}`,
        `${sustainedCell(r.many)} / ${sustainedCell(r.single)}`,
        at ? `${at.singleCpu}% → ${at.manyCpu}% at ${formatRate(at.deliveriesPerSec)}/s (p99 ${at.singleP99} → ${at.manyP99} ms)` : '—',
        `${usPerDelivery(r.single)} / ${usPerDelivery(r.many)}`,
        `${mb(r.single?.rssBytes)} / ${mb(r.many?.rssBytes)}`,
        churnCell(r, 'long'),
        churnCell(r, 'short'),
        `${formatKb(r.viewBytes)}; ${formatKb(r.viewWithRingBytes)}`,
        ring?.heapPerRingEntry === undefined ? '—' : `${ring.heapPerRingEntry} B`,
        `${r.lost} / ${r.reordered}`,
      ];
    }),
  };
}

function stepsTable(results: RestaurantsResult[]): Table {
  const rows: string[][] = [];
  for (const r of results) {
    for (const [label, c] of [['one', r.single], ['many', r.many]] as const) {
      for (const s of c?.steps ?? []) {
        rows.push([
          r.server, `${label} (${c!.restaurants} × ${c!.clientsPerRestaurant})`, String(s.rate), String(s.publishedRate), formatRate(s.deliveriesPerSec),
          String(s.latency.p50), String(s.latency.p99), String(s.latency.max), `${s.lost} / ${s.reordered}`,
          `${s.cpu.server}%`, `${s.cpu.loadgenCore}%${s.loadgenLimited ? ' ⚠' : ''}`, `${s.cpu.redis}% / ${s.cpu.publisher}%`,
          `${(s.serverRssBytes / 1048576).toFixed(0)} MB`, s.repeatOf ? `${s.verdict} (repeat; first: ${s.repeatOf})` : s.verdict,
        ]);
      }
    }
  }
  return {
    head: ['server', 'case', 'ev/s', 'published', 'deliveries/s', 'p50', 'p99', 'max', 'lost / reord.', 'server CPU', 'loadgen core', 'redis / publisher CPU', 'server RSS', 'verdict'],
    rows,
  };
}

function churnTable(results: RestaurantsResult[]): Table {
  return {
    head: ['server', 'grace', 'restaurants leaving (of)', 'clients', 'before the return', 'all back (total)', 'snapshot p50 / p99 / max per client'],
    rows: results.flatMap((r) =>
      r.churn.map((c) => [
        r.server, `${c.kind} (${c.graceMs} ms)`, `${c.restaurants} (${c.restaurants + c.otherRestaurants})`, String(c.clients),
        c.released === null ? 'partly released' : c.released ? `released${c.releaseMs !== undefined ? ` ${c.releaseMs} ms after leaving` : ''}` : 'views still live',
        `${c.totalMs} ms`, `${c.snapshot.p50} / ${c.snapshot.p99} / ${c.snapshot.max} ms`,
      ]),
    ),
  };
}

function memoryTable(results: RestaurantsResult[]): Table {
  return {
    head: [
      'server', 'restaurants loaded', 'live heap as restaurants load', 'per restaurant (heap, slope)', 'per restaurant, all over none (heap)',
      'per restaurant (RSS after GC, slope)', "the gateway's own estimate per restaurant", 'ring: events each → per entry',
    ],
    rows: results.flatMap((r) =>
      r.memory.map((m) => [
        r.server, String(m.restaurants), (m.points?.map((p) => p.heapBytes) ?? [m.heapBeforeBytes, m.heapHalfBytes ?? NaN, m.heapAfterBytes]).map(mb1).join(' → '),
        formatKb(m.heapPerRestaurant), formatKb(m.heapPerRestaurantAverage), formatKb(m.rssPerRestaurant),
        m.gateway?.estimatedBytes !== undefined && m.gateway.live ? formatKb(Math.round(m.gateway.estimatedBytes / m.gateway.live)) : '—',
        m.heapPerRingEntry === undefined ? '—' : `${m.ringEvents} → ${m.heapPerRingEntry} B`,
      ]),
    ),
  };
}

/** What the gateway said of itself at the end of each case: live restaurants, its memory estimate, budget actions. */
function gatewayLines(results: RestaurantsResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    for (const [label, c] of [['one restaurant', r.single], ['many restaurants', r.many]] as const) {
      const g = c?.gateway;
      if (!g || g.live === undefined) continue;
      lines.push(
        `* ${r.server}, ${label}: live heap ${mb(c.liveHeapBytes)} after a full GC with every client connected; the gateway counted ${g.live} live restaurant(s), ` +
          `estimated ${mb(g.estimatedBytes)} for them (its memory budget's count), ${g.ringShrinks ?? 0} ring shrinks, ${g.evictions ?? 0} evictions.`,
      );
    }
  }
  return lines.join('\n');
}

/** The Markdown section: what was measured, the headline table, then steps, churn and memory. */
export function restaurantsSection(run: RunResult): string {
  const results = run.restaurants ?? [];
  if (results.length === 0) return '_Not run._';
  const o = (run.options as { restaurants?: { restaurants: number; clientsPerRestaurant: number; deliveries: number[]; stepMs: number; churnRestaurants: number; longGraceMs: number; shortGraceMs: number; memoryRestaurants: number; ringEvents: number } }).restaurants;
  const n = o?.restaurants ?? 0;
  const per = o?.clientsPerRestaurant ?? 0;
  return `One gateway process, two cases with the same ${(n * per).toLocaleString('en-US')} clients and the same total deliveries/s at each step: **many** — ${n.toLocaleString('en-US')} restaurants × ${per} clients (\`/ws/{rid}\`, \`/sse/{rid}\`), events written round robin over the restaurants, each delivered to ${per} clients; **one** — one restaurant with all ${(n * per).toLocaleString('en-US')} clients. Steps of ${o?.deliveries.map(formatRate).join(', ') ?? '?'} deliveries/s, ${(o?.stepMs ?? 0) / 1000} s each, so the many case writes ${n.toLocaleString('en-US')}× the events/s of the single one (the same per restaurant). Each step is **kept up with** when everything arrived in order (nothing lost, reordered, conflated or still owed after the drain, ≥ 95 % of the deliveries within it), the publisher wrote the step's rate and p99 ≤ ${KEEP_UP_P99_MS / 1000} s; stepping stops at the first that is not, and the ratio compares the best steps kept up with. It goes on past the fan-out's p99 bound (${(run.options as { fanout?: { p99LimitMs: number } }).fanout?.p99LimitMs ?? 100} ms), because one restaurant's ${(n * per).toLocaleString('en-US')} clients take about that long to write at any rate (each event is ${(n * per).toLocaleString('en-US')} socket writes, and the last client waits for the others), so the fan-out's rule would stop the single case at its first step; the best steps within that bound are shown as well. Every event is a broker write (one Lua script call), and the publisher and Redis share the load generator's core: when the many case stops because the publisher could not write the step's rate, or with the load generator's core saturated, while the gateway still had CPU to spare (< 90 % of its core), its figure is a **floor** for the gateway, not its limit, and so is the ratio (marked "floor", with what stopped it). Server CPU per delivery is the server's CPU over a case's best step kept up with, divided by that step's deliveries. "Server CPU at the same deliveries/s" compares the gateway's own cost in both cases at the highest step both kept up with, which does not depend on where the publisher stopped. The raw peers run the same two cases — raw uWS \`app.publish\` with a topic per restaurant, raw node:http with a set of responses per restaurant, each subscribing a restaurant's channel when its first client arrives and never releasing it — to show how far the transport alone gets from one restaurant to many; they keep no view, so they have no churn nor memory rows. Churn: all clients of ${o?.churnRestaurants ?? '?'} restaurants (spread over the ${n.toLocaleString('en-US')}, the others' clients connected) close, then reconnect at once; the time is from each client's connect to its snapshot, and from the first reconnect to the last snapshot. With the long grace period (${((o?.longGraceMs ?? 0) / 1000).toFixed(0)} s) the views are still live when they return; with the short one (${o?.shortGraceMs ?? '?'} ms) the bench waits until Redis shows no subscriber left on those restaurants' channels (\`PUBSUB SHARDNUMSUB\`), so each returns through a new subscription and a snapshot read from Redis. Memory: a gateway with a grace period longer than the measurement; ${o?.memoryRestaurants.toLocaleString('en-US') ?? '?'} restaurants each get one client, its snapshot, and the client leaves; live heap (\`Runtime.getHeapUsage\` after full GCs through the inspector, repeated until a further one moves it < 0.5 %: V8 flushes unused code after a few) and RSS after GC, with none loaded, after half of them and after all; the figure is the second half's growth per restaurant (one more restaurant's cost), with the growth of all over none beside it (which also holds what the first loads build once). Rings are empty then (a ring grows with its events); then ${o?.ringEvents ?? '?'} events to each, the ring's share per entry. Targets: many ≥ ${RESTAURANTS_RATIO_TARGET}× one, and ≤ ${RESTAURANT_VIEW_TARGET_BYTES / 1024} KB of live memory per restaurant plus its ring.

${renderMarkdown(restaurantsTable(results))}

<details><summary>Every step</summary>

${renderMarkdown(stepsTable(results))}

</details>

${gatewayLines(results)}

${renderMarkdown(churnTable(results))}

${renderMarkdown(memoryTable(results))}`;
}
