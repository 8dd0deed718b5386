// docs/CAPACITY.md: how many restaurants, dashboards and events/s N gateway cores and M Redis shards carry, worked
// out from measured costs (bench results) and stated assumptions, every step shown. The arithmetic is pure and tested;
// the inputs name the run and the field they come from.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../results.js';
import { keptUp } from '../scenarios/restaurants-figures.js';
import { renderMarkdown, type Table } from './table.js';

/** A measured figure, where it comes from, and what it is not. */
export interface Sourced {
  value: number;
  /** The run (its start time) and the field of its results the figure was read or computed from. */
  source: string;
  /** Why the figure is what it is: a floor, conservative, or measured at a load that differs from production's. */
  note: string;
}

export interface CapacityInputs {
  /** Gateway CPU µs per delivery (one event to one client), coalesced as under load. */
  deliveryUs: Sourced;
  /** Gateway CPU µs per event of a restaurant it serves, beyond that event's deliveries. */
  eventUs: Sourced;
  /** ws-gateway RSS per idle connection after a full GC. */
  connectionBytes: Sourced;
  /** ws-gateway live heap per loaded restaurant (empty ring), and per event in a ring. */
  restaurantViewBytes: Sourced;
  ringEntryBytes: Sourced;
  /** Primaries' CPU µs per write with WRITE_MIN_REPLICAS=1 (the cluster compose default) and with 0. */
  primaryUsPerWrite: Sourced;
  primaryUsPerWriteNoWait: Sourced;
  replicaUsPerWrite: Sourced;
  /** Redis memory per stream entry. */
  streamEntryBytes: Sourced;
  /** The broker client's CPU µs per durable write (the dish service's least cost per write: no HTTP, no JSON body). */
  writerUsPerWrite: Sourced;
  /** The primaries' µs per durable write at the deliveries step's lower rate (on the cluster that wrote most per write). */
  lowLoadWrite?: { usPerWrite: number; rate: number };
}

export interface Assumptions {
  /** Events a restaurant writes per second at the planned peak (one write each). */
  eventsPerRestaurant: number;
  dashboardsPerRestaurant: number;
  /**
   * The planned peak as a share of what a core takes at the measured cost: at half the load a core is busier than half
   * (less work batched per event-loop turn), so this is headroom in load, not a CPU reading to expect.
   */
  utilisation: number;
  /** Redis memory usable for data per shard (primary), in bytes. */
  shardMemoryBytes: number;
  /** STREAM_MAXLEN: events kept per restaurant's stream, as this plan sets it (resumes, not a day of time travel). */
  streamMaxLen: number;
  /** RESTAURANT_MEMORY_BUDGET_MB in bytes: what the rings of one gateway take at most together (the default). */
  ringBudgetBytes: number;
}

export const ASSUMPTIONS: Assumptions = {
  eventsPerRestaurant: 1,
  dashboardsPerRestaurant: 10,
  utilisation: 0.5,
  shardMemoryBytes: 16 * 2 ** 30,
  streamMaxLen: 10_000,
  ringBudgetBytes: 256 * 2 ** 20,
};

/** How a load balancer deals a restaurant's dashboards to gateways. */
export type Routing = 'spread' | 'affinity';

/**
 * The share of all restaurants a gateway receives the events of, among N: `spread` (what compose and nginx do: every
 * dashboard to any gateway) — a restaurant whose d dashboards all went elsewhere costs it nothing, 1 − (1 − 1/N)^d;
 * `affinity` (every dashboard of a restaurant to one gateway, by a hash of its id): 1/N.
 */
export function gatewayShare(n: number, dashboards: number, routing: Routing): number {
  return routing === 'affinity' ? 1 / n : 1 - (1 - 1 / n) ** dashboards;
}

/** One gateway's CPU µs per second among N when all restaurants write `events` per second together. */
export function gatewayUsPerSecond(events: number, n: number, i: Pick<CapacityInputs, 'deliveryUs' | 'eventUs'>, a: Assumptions, routing: Routing): number {
  const eventsIn = events * gatewayShare(n, a.dashboardsPerRestaurant, routing);
  const deliveries = (events * a.dashboardsPerRestaurant) / n;
  return eventsIn * i.eventUs.value + deliveries * i.deliveryUs.value;
}

/** The events/s N gateway cores carry at the planned utilisation (one gateway process per core). */
export function eventsByGateways(n: number, i: Pick<CapacityInputs, 'deliveryUs' | 'eventUs'>, a: Assumptions, routing: Routing): number {
  return (a.utilisation * 1e6) / gatewayUsPerSecond(1, n, i, a, routing);
}

/** The fewest gateway cores that carry `events` per second (each one's load falls as N grows). */
export function gatewaysNeeded(events: number, i: Pick<CapacityInputs, 'deliveryUs' | 'eventUs'>, a: Assumptions, routing: Routing): number {
  if (events <= 0) return 0;
  let lo = 1;
  let hi = 1;
  while (eventsByGateways(hi, i, a, routing) < events) {
    if (hi > 1e9) throw new Error(`no number of gateways carries ${events} events/s`);
    lo = hi;
    hi *= 2;
  }
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (eventsByGateways(mid, i, a, routing) >= events) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}

/** The writes/s M primaries carry at the planned utilisation: each write runs on exactly one (its restaurant's slot). */
export function eventsByShardCpu(m: number, i: Pick<CapacityInputs, 'primaryUsPerWrite'>, a: Assumptions): number {
  return (m * a.utilisation * 1e6) / i.primaryUsPerWrite.value;
}

/** Redis memory of one restaurant once its stream holds STREAM_MAXLEN events (the dish hashes are small beside it). */
export const restaurantRedisBytes = (i: Pick<CapacityInputs, 'streamEntryBytes'>, a: Assumptions) => a.streamMaxLen * i.streamEntryBytes.value;

export function restaurantsByShardMemory(m: number, i: Pick<CapacityInputs, 'streamEntryBytes'>, a: Assumptions): number {
  return (m * a.shardMemoryBytes) / restaurantRedisBytes(i, a);
}

export type Bound = 'gateway CPU' | 'shard CPU' | 'shard memory';

export interface Carried {
  restaurants: number;
  dashboards: number;
  events: number;
  bound: Bound;
  byGateways: number;
  byShardCpu: number;
  byShardMemory: number;
}

/** What N gateway cores and M shards carry: the fewest restaurants any of the three bounds allows. */
export function carried(n: number, m: number, i: CapacityInputs, a: Assumptions, routing: Routing): Carried {
  const byGateways = eventsByGateways(n, i, a, routing) / a.eventsPerRestaurant;
  const byShardCpu = eventsByShardCpu(m, i, a) / a.eventsPerRestaurant;
  const byShardMemory = restaurantsByShardMemory(m, i, a);
  const bounds: [Bound, number][] = [['gateway CPU', byGateways], ['shard CPU', byShardCpu], ['shard memory', byShardMemory]];
  const [bound, limit] = bounds.reduce((best, b) => (b[1] < best[1] ? b : best));
  const restaurants = Math.floor(limit);
  return {
    restaurants, dashboards: restaurants * a.dashboardsPerRestaurant, events: restaurants * a.eventsPerRestaurant, bound,
    byGateways: Math.floor(byGateways), byShardCpu: Math.floor(byShardCpu), byShardMemory: Math.floor(byShardMemory),
  };
}

export interface Plan {
  dashboards: number;
  restaurants: number;
  events: number;
  deliveries: number;
  gatewaysSpread: number;
  gatewaysAffinity: number;
  shardsByCpu: number;
  shardsByMemory: number;
  shards: number;
  /** Replica CPU per shard at that load, as a share of a core (each shard's replica on its own core). */
  replicaCoreShare: number;
  /** Per gateway (spread): its connections' RSS, its live restaurants' views, plus the ring budget. */
  gatewayMemoryBytes: number;
  /** The broker client's CPU alone, in cores at the planned utilisation: a floor for the dish service's cores. */
  dishCoresFloor: number;
}

/** What `dashboards` need: gateway cores (both routings), shards (by CPU and by memory), memory per gateway. */
export function plan(dashboards: number, i: CapacityInputs, a: Assumptions): Plan {
  const restaurants = Math.ceil(dashboards / a.dashboardsPerRestaurant);
  const events = restaurants * a.eventsPerRestaurant;
  const gatewaysSpread = gatewaysNeeded(events, i, a, 'spread');
  const shardsByCpu = Math.max(1, Math.ceil(events / eventsByShardCpu(1, i, a)));
  const shardsByMemory = Math.max(1, Math.ceil(restaurants / restaurantsByShardMemory(1, i, a)));
  const shards = Math.max(shardsByCpu, shardsByMemory);
  const liveRestaurants = restaurants * gatewayShare(gatewaysSpread, a.dashboardsPerRestaurant, 'spread');
  return {
    dashboards, restaurants, events, deliveries: events * a.dashboardsPerRestaurant,
    gatewaysSpread, gatewaysAffinity: gatewaysNeeded(events, i, a, 'affinity'),
    shardsByCpu, shardsByMemory, shards,
    replicaCoreShare: ((events / shards) * i.replicaUsPerWrite.value) / 1e6,
    gatewayMemoryBytes: (dashboards / gatewaysSpread) * i.connectionBytes.value + liveRestaurants * i.restaurantViewBytes.value + a.ringBudgetBytes,
    dishCoresFloor: Math.ceil((events * i.writerUsPerWrite.value) / (a.utilisation * 1e6)),
  };
}

// ---- inputs from runs

export interface SourcedRun {
  run: RunResult;
  /** Where the run's results are: `bench/results/<file>.json`. */
  file: string;
}

const us = (cpuPercent: number, perSecond: number) => (cpuPercent / 100) * (1e6 / perSecond);
const r2 = (v: number) => Math.round(v * 100) / 100;
const at = (s: SourcedRun) => `run of ${s.run.startedAt} (\`${s.file}\`)`;

type Found = { value: number; source: string; note: string } | undefined;

function deliveryCost(s: SourcedRun): Found {
  const f = s.run.fanout.find((x) => x.server === 'ws-gateway');
  const best = f?.steps.filter((x) => x.sustained).sort((a, b) => b.deliveriesPerSec - a.deliveriesPerSec)[0];
  if (!f || !best) return undefined;
  const i = f.steps.indexOf(best);
  return {
    value: r2(us(best.cpu.server, best.deliveriesPerSec)),
    source: `${at(s)}: \`fanout[ws-gateway].steps[${i}]\` (${best.rate} ev/s to ${best.clients} clients of one restaurant): \`cpu.server\` ${best.cpu.server} % / \`deliveriesPerSec\` ${best.deliveriesPerSec.toLocaleString('en-US')}`,
    note: `all of the gateway's CPU charged to its deliveries (conservative: its ${best.rate} events/s cost something too); the best sustained step${best.loadgenLimited ? ', with the load generator\'s core saturated as well: the throughput is a floor, the cost per delivery is what the gateway spent' : ''}`,
  };
}

function eventCost(s: SourcedRun, deliveryUs: number): Found {
  const r = s.run.restaurants?.find((x) => x.server === 'ws-gateway');
  const many = r?.many;
  const best = many?.steps.filter(keptUp).sort((a, b) => b.deliveriesPerSec - a.deliveriesPerSec)[0];
  if (!many || !best) return undefined;
  const i = many.steps.indexOf(best);
  const perEvent = us(best.cpu.server, best.deliveriesPerSec / many.clientsPerRestaurant);
  return {
    value: r2(perEvent - many.clientsPerRestaurant * deliveryUs),
    source:
      `${at(s)}: \`restaurants[ws-gateway].many.steps[${i}]\` (${many.restaurants.toLocaleString('en-US')} restaurants × ${many.clientsPerRestaurant} clients): ` +
      `\`cpu.server\` ${best.cpu.server} % over \`deliveriesPerSec\` ${best.deliveriesPerSec.toLocaleString('en-US')} / ${many.clientsPerRestaurant} = ${r2(perEvent)} µs per event with its deliveries, less ${many.clientsPerRestaurant} × the delivery cost`,
    note: `the best step kept up with${many.stoppedBy === 'gateway' ? '' : ` (stopped by the ${many.stoppedBy}: a throughput floor; the cost is what the gateway spent)`}; measured at ${many.clientsPerRestaurant} clients per restaurant, whose writes are not coalesced at that rate per restaurant, so it holds their socket writes as well`,
  };
}

function memoryCost(s: SourcedRun): Found {
  const m = s.run.memory.find((x) => x.server === 'ws-gateway');
  if (!m?.bytesPerConn) return undefined;
  return { value: m.bytesPerConn, source: `${at(s)}: \`memory[ws-gateway].bytesPerConn\` (${m.connections.toLocaleString('en-US')} idle connections)`, note: 'RSS after a full GC; kernel socket buffers are not in it' };
}

function viewCost(s: SourcedRun, field: 'heapPerRestaurant' | 'heapPerRingEntry'): Found {
  const m = s.run.restaurants?.find((x) => x.server === 'ws-gateway')?.memory[0];
  const value = m?.[field];
  if (!m || value === undefined) return undefined;
  return { value, source: `${at(s)}: \`restaurants[ws-gateway].memory[0].${field}\``, note: field === 'heapPerRestaurant' ? 'live heap, empty ring' : `live heap per ring event (${m.ringEvents ?? '?'} events each)` };
}

type WriteField = 'primaryUsPerWrite' | 'replicaUsPerWrite' | 'writerUsPerWrite' | 'bytesPerStreamEntry';

/** The larger of the two clusters' medians (conservative), at one WRITE_MIN_REPLICAS. */
function writeCost(s: SourcedRun, field: WriteField, minReplicas: number, note: string): Found {
  const configs = s.run.cluster?.writes.filter((w) => w.minReplicas === minReplicas && w[field] !== null) ?? [];
  if (configs.length === 0) return undefined;
  const worst = configs.reduce((a, b) => ((b[field] ?? 0) > (a[field] ?? 0) ? b : a));
  const all = configs.map((w) => `${w.primaries} primar${w.primaries === 1 ? 'y' : 'ies'} ${w[field]}`).join(', ');
  const floor = configs.some((w) => w.limitedBy !== 'redis-core') ? '; writes/s there was bounded by the writers or by neither core (a floor), the cost per write is what Redis spent' : '';
  return {
    value: worst[field]!,
    source: `${at(s)}: \`cluster.writes[primaries=${worst.primaries}, minReplicas=${minReplicas}].${field}\` (${field === 'bytesPerStreamEntry' ? 'over' : 'median of'} ${worst.rounds.length} rounds; ${all})`,
    note: `${note}${floor}`,
  };
}

/** Each input from the first run that measured it; the names of those none did. */
export function capacityInputs(runs: readonly SourcedRun[]): { inputs?: CapacityInputs; missing: string[] } {
  const first = (find: (s: SourcedRun) => Found) => {
    for (const s of runs) {
      const found = find(s);
      if (found) return found;
    }
    return undefined;
  };
  const deliveryUs = first(deliveryCost);
  const found = {
    deliveryUs,
    eventUs: deliveryUs ? first((s) => eventCost(s, deliveryUs.value)) : undefined,
    connectionBytes: first(memoryCost),
    restaurantViewBytes: first((s) => viewCost(s, 'heapPerRestaurant')),
    ringEntryBytes: first((s) => viewCost(s, 'heapPerRingEntry')),
    primaryUsPerWrite: first((s) => writeCost(s, 'primaryUsPerWrite', 1, 'the larger of the 1- and 3-primary clusters\' (3 primaries on one core each batch a third of the load: more per write)')),
    primaryUsPerWriteNoWait: first((s) => writeCost(s, 'primaryUsPerWrite', 0, 'as above, without WAIT and the confirm script')),
    replicaUsPerWrite: first((s) => writeCost(s, 'replicaUsPerWrite', 1, 'the larger of the two clusters\'')),
    streamEntryBytes: first((s) => writeCost(s, 'bytesPerStreamEntry', 1, 'used_memory growth per entry, allocator overhead included; the bench\'s events are price changes (~250-byte envelopes)')),
    writerUsPerWrite: first((s) => writeCost(s, 'writerUsPerWrite', 1, 'the bench writer: the broker client alone (ioredis Cluster, the script, WAIT, the confirm script), without HTTP')),
  };
  const missing = Object.entries(found).filter(([, v]) => v === undefined).map(([k]) => k);
  if (missing.length) return { missing };
  const durable = (s: SourcedRun) => s.run.cluster?.deliveries.filter((d) => d.minReplicas === 1 && d.primaryUsPerWrite !== null) ?? [];
  const lowLoad = durable(runs.find((s) => durable(s).length > 0) ?? runs[0]!).sort((x, y) => y.primaryUsPerWrite! - x.primaryUsPerWrite!)[0];
  return { inputs: { ...(found as CapacityInputs), ...(lowLoad ? { lowLoadWrite: { usPerWrite: lowLoad.primaryUsPerWrite!, rate: lowLoad.rate } } : {}) }, missing };
}

// ---- the document

const n0 = (v: number) => Math.round(v).toLocaleString('en-US');
const n1 = (v: number) => (Math.round(v * 10) / 10).toLocaleString('en-US');
const gb = (b: number) => `${(b / 2 ** 30).toFixed(b >= 10 * 2 ** 30 ? 0 : 1)} GB`;
const mb = (b: number) => `${(b / 2 ** 20).toFixed(b < 10 * 2 ** 20 ? 1 : 0)} MB`;

export const DASHBOARD_STEPS = [1_000, 10_000, 100_000, 1_000_000];
export const GATEWAY_CORES = [1, 2, 4, 8, 16, 32, 64, 128, 256];
export const SHARDS = [1, 3, 6, 12, 24, 48];

function inputsTable(i: CapacityInputs): Table {
  const row = (name: string, s: Sourced, unit: string) => [name, `${s.value.toLocaleString('en-US')} ${unit}`, s.source, s.note];
  return {
    head: ['input', 'value', 'from', 'what it is'],
    rows: [
      row('gateway CPU per delivery (c_d)', i.deliveryUs, 'µs'),
      row('gateway CPU per restaurant event, beyond its deliveries (c_e)', i.eventUs, 'µs'),
      row('gateway RSS per idle connection', i.connectionBytes, 'B'),
      row('gateway live heap per loaded restaurant', i.restaurantViewBytes, 'B'),
      row('gateway live heap per ring event', i.ringEntryBytes, 'B'),
      row('primaries\' CPU per write, WRITE_MIN_REPLICAS=1 (w)', i.primaryUsPerWrite, 'µs'),
      row('primaries\' CPU per write, WRITE_MIN_REPLICAS=0', i.primaryUsPerWriteNoWait, 'µs'),
      row('replica CPU per write, WRITE_MIN_REPLICAS=1', i.replicaUsPerWrite, 'µs'),
      row('Redis memory per stream entry (b)', i.streamEntryBytes, 'B'),
      row('broker client CPU per durable write', i.writerUsPerWrite, 'µs'),
    ],
  };
}

function planTable(plans: Plan[]): Table {
  return {
    head: [
      'dashboards', 'restaurants', 'events/s (= writes/s)', 'deliveries/s', 'gateway cores, spread (as deployed)', 'gateway cores, by restaurant',
      'shards by CPU', 'shards by memory', 'shards', 'memory per gateway (spread)', 'replica core per shard', 'dish service cores (floor)',
    ],
    rows: plans.map((p) => [
      n0(p.dashboards), n0(p.restaurants), n0(p.events), n0(p.deliveries), n0(p.gatewaysSpread), n0(p.gatewaysAffinity),
      n0(p.shardsByCpu), n0(p.shardsByMemory), `**${n0(p.shards)}**`, mb(p.gatewayMemoryBytes), `${Math.round(p.replicaCoreShare * 100)} %`, n0(p.dishCoresFloor),
    ]),
  };
}

function gridTable(i: CapacityInputs, a: Assumptions): Table {
  const short: Record<Bound, string> = { 'gateway CPU': 'g', 'shard CPU': 's', 'shard memory': 'm' };
  return {
    head: ['gateway cores ↓ / shards →', ...SHARDS.map(String)],
    rows: GATEWAY_CORES.map((n) => [String(n), ...SHARDS.map((m) => {
      const c = carried(n, m, i, a, 'spread');
      return `${n0(c.dashboards)} (${short[c.bound]})`;
    })]),
  };
}

/** The arithmetic for one number of dashboards, line by line, with the inputs' values. */
function workedExample(dashboards: number, i: CapacityInputs, a: Assumptions): string {
  const p = plan(dashboards, i, a);
  const d = a.dashboardsPerRestaurant;
  const u = a.utilisation;
  const fS = gatewayShare(p.gatewaysSpread, d, 'spread');
  const perGwSpread = gatewayUsPerSecond(p.events, p.gatewaysSpread, i, a, 'spread');
  const perGwAff = gatewayUsPerSecond(p.events, p.gatewaysAffinity, i, a, 'affinity');
  const perShard = eventsByShardCpu(1, i, a);
  const perRestaurant = restaurantRedisBytes(i, a);
  const perShardRestaurants = restaurantsByShardMemory(1, i, a);
  return [
    `1. Restaurants: R = ${n0(dashboards)} dashboards / ${d} per restaurant = **${n0(p.restaurants)}**.`,
    `2. Events (= broker writes) per second: E = R × e = ${n0(p.restaurants)} × ${a.eventsPerRestaurant} = **${n0(p.events)} /s**; deliveries: E × d = **${n0(p.deliveries)} /s**.`,
    `3. Shards by CPU: one primary core planned at ${u * 100} % of its capacity takes ${u} × 10⁶ / w = ${u} × 10⁶ / ${i.primaryUsPerWrite.value} = ${n0(perShard)} writes/s; ${n0(p.events)} / ${n0(perShard)} → **${n0(p.shardsByCpu)}** shard(s).`,
    `4. Shards by memory: a full stream is STREAM_MAXLEN × b = ${n0(a.streamMaxLen)} × ${i.streamEntryBytes.value} B = ${mb(perRestaurant)} per restaurant; ${gb(a.shardMemoryBytes)} per shard holds ${n0(perShardRestaurants)} restaurants; ${n0(p.restaurants)} / ${n0(perShardRestaurants)} → **${n0(p.shardsByMemory)}** shard(s). Shards: the larger, **${n0(p.shards)}**. Each shard's replica then spends ${n0(p.events / p.shards)} × ${i.replicaUsPerWrite.value} µs = ${Math.round(p.replicaCoreShare * 100)} % of its core.`,
    `5. Gateways, spread (every dashboard to any gateway, as compose and nginx deal them): with N gateways one receives the events of a share 1 − (1 − 1/N)^d of the restaurants; the fewest N whose second of work stays under ${u} s at the measured costs is **N = ${n0(p.gatewaysSpread)}**: share 1 − (1 − 1/${p.gatewaysSpread})^${d} = ${fS.toFixed(4)}, so each gateway handles ${n0(p.events * fS)} events/s × c_e ${i.eventUs.value} µs + ${n0(p.deliveries / p.gatewaysSpread)} deliveries/s × c_d ${i.deliveryUs.value} µs = ${n1(perGwSpread / 1e4)} % of a core.`,
    `6. Gateways, by restaurant (a load balancer hashing the restaurant id, so each restaurant's events reach one gateway; not what compose does): each of N gets E / N events and E × d / N deliveries: **N = ${n0(p.gatewaysAffinity)}**, at ${n0(p.events / p.gatewaysAffinity)} × ${i.eventUs.value} + ${n0(p.deliveries / p.gatewaysAffinity)} × ${i.deliveryUs.value} µs = ${n1(perGwAff / 1e4)} % of a core each.`,
    `7. Memory per gateway (spread): ${n0(dashboards / p.gatewaysSpread)} connections × ${n0(i.connectionBytes.value)} B + ${n0(p.restaurants * fS)} live restaurants × ${n0(i.restaurantViewBytes.value)} B + the ring budget ${mb(a.ringBudgetBytes)} = **${mb(p.gatewayMemoryBytes)}**.`,
    `8. The dish service: the broker client alone spends ${i.writerUsPerWrite.value} µs per durable write, so ${n0(p.events)} writes/s need at least ${n0(p.dishCoresFloor)} core(s) planned at ${u * 100} % before HTTP, validation and JSON.`,
  ].join('\n');
}

/** A write's cost at a lower load (the cluster deliveries step's writes) beside the saturated one, when measured. */
const lowLoadNote = (i: CapacityInputs) =>
  i.lowLoadWrite
    ? `: the primaries spent ${i.lowLoadWrite.usPerWrite} µs per durable write at ${n0(i.lowLoadWrite.rate)} writes/s, ${i.primaryUsPerWrite.value} µs saturated`
    : '';

/** What the largest plan shows: which cost dominates the gateways, and whether memory or CPU sets the shards. */
function conclusion(p: Plan, i: CapacityInputs, a: Assumptions): string {
  const gateways =
    `At ${n0(p.dashboards)} dashboards the gateways' cost is per restaurant event (c_e ${i.eventUs.value} µs) far more than per delivery ` +
    `(c_d ${i.deliveryUs.value} µs): spread over many gateways, each dashboard brings its gateway the whole event, so routing ` +
    `dashboards by restaurant id would cut the gateway cores ${n1(p.gatewaysSpread / Math.max(1, p.gatewaysAffinity))}× (${n0(p.gatewaysSpread)} → ${n0(p.gatewaysAffinity)}).`;
  const shards =
    p.shardsByMemory > p.shardsByCpu
      ? ` Redis memory, not CPU, sets the shards (${n0(p.shardsByMemory)} against ${n0(p.shardsByCpu)}) while each stream keeps STREAM_MAXLEN = ${n0(a.streamMaxLen)} events: resumes need only the minutes a client may be away, so a smaller STREAM_MAXLEN (the same for the dish service and the gateways) brings the shards down to what CPU needs.`
      : ` CPU sets the shards (${n0(p.shardsByCpu)}, memory ${n0(p.shardsByMemory)}): durable writes (WRITE_MIN_REPLICAS=1) cost the primaries ${n1(i.primaryUsPerWrite.value / i.primaryUsPerWriteNoWait.value)}× what writes without WAIT do (${i.primaryUsPerWrite.value} against ${i.primaryUsPerWriteNoWait.value} µs).`;
  return gateways + shards;
}

export function renderCapacity(i: CapacityInputs, runs: readonly SourcedRun[], a: Assumptions = ASSUMPTIONS): string {
  const plans = DASHBOARD_STEPS.map((d) => plan(d, i, a));
  const one = carried(1, 1, i, a, 'spread');
  return `# Capacity

<!-- Generated by \`npm run bench\` (bench/src/report/capacity.ts) from ${runs.map((s) => `\`${s.file}\``).join(' and ')}. Do not edit by hand. -->

How many restaurants, dashboards and events per second a deployment of **N gateway cores** (one gateway process per
core: each is single-threaded) and **M Redis shards** (one primary per shard on its own core, with its replica on
another) carries, from what the benchmark measured and the assumptions below. Every number here is arithmetic on
those: change an assumption and the tables follow (\`bench/src/report/capacity.ts\`, unit-tested).

Runs used: ${runs.map((s) => `${s.run.startedAt}${s.run.quick ? ' (quick mode: indicative only)' : ''} (\`${s.file}\`)`).join('; ')}${
    runs.length > 1
      ? '; each input below is read from the first of them that measured it (a run of some scenarios only takes the other inputs from the `latest.json` before it, so they may measure different builds; a full `npm run bench` takes all of them from one run)'
      : ''
  }.

## Measured inputs

${renderMarkdown(inputsTable(i))}

**Floors and what this machine cannot show.** The benchmark machine has two cores, shared with other work. Its
throughput figures are mostly floors — the notes above say which step was bounded by the load generator, the
publisher or the writers rather than by the part measured — so the inputs are *costs* instead: CPU time per delivery,
per event, per write, which do not depend on where a step stopped. Each is taken at the highest load measured: costs
per unit fall as load batches more work per event-loop turn, so a lower-load figure would overstate the capacity
needed at scale, and the planned load (u) leaves room for the difference. The
3-primary cluster ran its six redis-servers on one core: it cannot show 3 shards doing 3× the writes. The model
assumes what Redis Cluster is built for and the broker keeps to: every write touches one restaurant's keys, one slot,
one primary, so M primaries on M cores take M× the writes; nothing here measured that on M cores. Not modelled:
network (everything ran on loopback), AOF disk bandwidth (\`appendfsync everysec\`, a local disk), kernel memory per
TCP connection, TLS, the dish service's HTTP work (only its broker client is measured: step 8 is a floor), and
the cluster bus, whose gossip grows with the node count.

## Assumptions

| assumption | value | why |
| --- | --- | --- |
| events per restaurant per second at the planned peak (e) | ${a.eventsPerRestaurant} | a lunch rush: orders (one \`dish.sold\` per dish ordered), stock and price changes; each event is one broker write |
| dashboards per restaurant (d) | ${a.dashboardsPerRestaurant} | back-office screens, kitchen and managers' devices; the many-restaurants benchmark ran 10 clients per restaurant |
| planned peak load (u), as a share of what a core takes at the measured cost | ${a.utilisation * 100} % | headroom for bursts, garbage collection, a failed gateway's clients reconnecting to the others, a replica taking over its primary's load; and at a lower load a core spends more per unit (less batched per event-loop turn${lowLoadNote(i)}), so a core planned at u of its measured capacity is busier than u, not saturated |
| routing of dashboards to gateways | spread | what compose (Docker DNS) and nginx do: any dashboard to any gateway; the tables also show routing by restaurant |
| Redis memory for data per shard | ${gb(a.shardMemoryBytes)} | e.g. a 32 GB node: an AOF rewrite forks, and the copy-on-write pages need room |
| STREAM_MAXLEN | ${n0(a.streamMaxLen)} | set for this plan (the default, 100,000, keeps a day of history for the timeline up to 1.16 events/s); a stream reaches it after STREAM_MAXLEN / e seconds (${n1(a.streamMaxLen / a.eventsPerRestaurant / 3600)} h of history) |
| RESTAURANT_MEMORY_BUDGET_MB | ${mb(a.ringBudgetBytes)} | the default: past it the gateway shrinks rings (resumes then read Redis), so rings take at most this per gateway |

## The model

* A gateway spends **c_e** per event of each restaurant it has a dashboard of, and **c_d** per delivery. With N
  gateways and dashboards spread over them, one gateway receives the events of a share **s(N) = 1 − (1 − 1/N)^d**
  of the restaurants (a restaurant all of whose d dashboards went elsewhere costs it nothing) and makes E × d / N
  deliveries: its CPU is **E × s(N) × c_e + E × d / N × c_d** per second, which must stay under u of a second. By
  restaurant instead, s(N) = 1/N. For N much larger than d, s(N) ≈ d / N: spread, every dashboard costs a gateway a
  whole event; by restaurant, d dashboards share one.
* A write runs on its restaurant's primary only: M primaries take **M × u × 10⁶ / w** writes/s.
* A restaurant's stream holds up to STREAM_MAXLEN events of **b** bytes: M shards hold **M × memory / (STREAM_MAXLEN × b)** restaurants.
* What N gateway cores and M shards carry is the least of the three, in restaurants; × d dashboards, × e events/s.

## What N gateway cores and M shards carry (dashboards; spread routing)

Each cell: the dashboards carried, and what bounds them — **g** gateway CPU, **s** shard CPU, **m** shard memory. One
gateway core and one shard: ${n0(one.dashboards)} dashboards of ${n0(one.restaurants)} restaurants at ${n0(one.events)} events/s, bounded by ${one.bound}.

${renderMarkdown(gridTable(i, a))}

## Up to a million dashboards

${renderMarkdown(planTable(plans))}

### A million dashboards, step by step

${workedExample(1_000_000, i, a)}

**What this says.** ${conclusion(plans.at(-1)!, i, a)}
`;
}

/** Writes docs/CAPACITY.md from the runs (newest first); returns its path, or why it was not written. */
export function writeCapacityDoc(docsDir: string, runs: readonly SourcedRun[]): { path?: string; missing: string[] } {
  const { inputs, missing } = capacityInputs(runs);
  if (!inputs) return { missing };
  const sources = Object.values(inputs).map((x: Sourced | CapacityInputs['lowLoadWrite']) => (x && 'source' in x ? x.source : ''));
  const used = runs.filter((s) => sources.some((source) => source.includes(s.run.startedAt)));
  const path = join(docsDir, 'CAPACITY.md');
  writeFileSync(path, renderCapacity(inputs, used));
  return { path, missing };
}
