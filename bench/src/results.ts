// The shape of a benchmark run's results: what the JSON file holds and the reports read.
import type { HistoryResult } from './scenarios/history.js';
import type { LatencySummary } from './loadgen/stats.js';
import type { HeapDiff } from './heap-profile.js';
import type { ProfileSummary } from './profile.js';
import type { ServerName } from './servers.js';
import type { WritesResult } from './scenarios/writes-figures.js';
import type { CeilingResult } from './scenarios/ceiling.js';
import type { CostResult } from './scenarios/cost-figures.js';
import type { ScenarioName } from './scenarios/context.js';

export type Status = 'ok' | 'skipped' | 'failed' | 'crashed';

export interface StepCpu {
  /** Percent of one core used by the server process (all Dish Live processes in end-to-end runs). */
  server: number;
  /** Percent of one core used by the load generator processes. */
  loadgen: number;
  /** The parts of `server` and `loadgen` spent in the kernel (socket syscalls, loopback TCP). */
  serverSys?: number;
  loadgenSys?: number;
  /** Percent busy of the server's core and of the load generator's core, whoever used them. */
  serverCore: number;
  loadgenCore: number;
  /** Percent of one core used by redis-server (not pinned) and by this process (the publisher). */
  redis: number;
  publisher: number;
}

export interface StepResult {
  /** Target publish rate (events/s) and the rate achieved. */
  rate: number;
  publishedRate: number;
  published: number;
  clients: number;
  expected: number;
  delivered: number;
  /** Bytes of the messages delivered (payloads, without framing). */
  bytes: number;
  deliveriesPerSec: number;
  latency: LatencySummary;
  lost: number;
  reordered: number;
  /** Events covered by conflated `state` messages instead of being delivered one by one. */
  conflated: number;
  /** Deliveries still due when the step's drain period ended (late, not lost: see the run's final drain). */
  behind: number;
  /** Clients that closed during the step. */
  ended: number;
  cpu: StepCpu;
  serverRssBytes: number;
  loadgenLimited: boolean;
  /** Other work took > 25% of the server's core beside the server: its latency figures are not its own. */
  contended: boolean;
  sustained: boolean;
  verdict: string;
  /** Set when this is the one repeat of a step that failed on latency alone: that first attempt's verdict. */
  repeatOf?: string;
}

export interface FanoutResult {
  server: ServerName;
  description: string;
  status: Status;
  reason?: string;
  clients: number;
  steps: StepResult[];
  /** The highest deliveries/s of a sustained step; null when the server lost or reordered anything, or none was. */
  maxSustained: number | null;
  /** The highest deliveries/s of any step without loss, whatever its latency (a throughput floor on a noisy machine). */
  peakDeliveries: number | null;
  /** Gaps seen in any step, plus deliveries that never arrived by the end of the final drain. */
  lost: number;
  reordered: number;
  /** Deliveries still missing after the final drain (a slow server has until then to deliver everything). */
  undelivered: number;
  /** Where the server's busy time went (`--profile` runs only). */
  profile?: ProfileSummary;
}

/** One count of idle connections of the memory scenario, RSS and live heap read after a full collection. */
export interface MemoryCount {
  requested: number;
  connections: number;
  /** Connects that failed (timed out under load) and were opened on a retry. */
  failed: number;
  rssAfterBytes: number;
  /** Per connection over the baseline (the server before any connection), after a full collection. */
  bytesPerConn: number | null;
  /** The same read before forcing the collection: includes the garbage V8 had not yet collected. */
  bytesPerConnNoGc: number | null;
  /** The V8 heap's part of `bytesPerConn` (`Runtime.getHeapUsage`); the rest is outside the V8 heap. */
  heapBytesPerConn: number | null;
}

/**
 * Where the bytes go: two heap snapshots (a second server, so the snapshots do not inflate the RSS figures), each
 * (node type, name)'s growth per connection between them, the `heapBytesPerConn` of the whole heap, and the rest of
 * the RSS growth over the same counts (first server) as memory outside the V8 heap.
 */
export interface MemoryHeapProfile extends HeapDiff {
  rssBytesPerConn: number | null;
  nativeBytesPerConn: number | null;
}

/** A gateway beside its raw peer at one count of idle connections: RSS per connection after a full GC, and the ratio. */
export interface MemoryRatio {
  gateway: ServerName;
  peer: ServerName;
  connections: number;
  gatewayBytes: number | null;
  peerBytes: number | null;
  ratio: number | null;
  /** The target ratio (issue 18) and whether it is met (null when either figure is missing). */
  limit: number;
  met: boolean | null;
}

export interface MemoryResult {
  server: ServerName;
  status: Status;
  reason?: string;
  /** The figures at the first count the target is checked at (10,000; 1,000 with --quick), as before `counts` existed. */
  requested: number;
  connections: number;
  failed: number;
  /** RSS after a full garbage collection, before and with the idle connections. */
  rssBeforeBytes: number;
  rssAfterBytes: number;
  /** Their difference per connection: live memory per connection (the figure the target is checked against). */
  bytesPerConn: number | null;
  /** The same without forcing a collection after connecting: includes the garbage V8 had not yet collected. */
  rssAfterNoGcBytes?: number;
  bytesPerConnNoGc?: number | null;
  /** Every count measured, ascending (the largest one: what the fd limit allows); absent in runs from before. */
  counts?: MemoryCount[];
  /** Heap snapshots of the gateways and their raw peers (full runs); absent otherwise. */
  heap?: MemoryHeapProfile;
  /** A few events after connecting reached every idle client (at the largest count). */
  verified: boolean;
  lost: number;
  reordered: number;
}

export interface TransportE2e {
  clients: number;
  delivered: number;
  latency: LatencySummary;
  lost: number;
  reordered: number;
  behind: number;
}

export interface E2eResult {
  status: Status;
  reason?: string;
  rate: number;
  durationMs: number;
  pollIntervalMs: number;
  published: number;
  patchRtt?: LatencySummary;
  /** Percent of one core used by the dish service and both gateways together. */
  serverCpu?: number;
  transports: Partial<Record<'ws' | 'sse' | 'poll', TransportE2e>>;
}

export interface SlowResult {
  server: ServerName;
  status: Status;
  reason?: string;
  clients: number;
  slowClients: number;
  rate: number;
  /** The healthy clients before and while 10% stop reading. */
  baseline?: StepResult;
  withSlow?: StepResult;
  /** Deliveries the healthy clients still missed after the final drain: lost. */
  undelivered: number;
  /** The stalled clients after they read again: what the server had kept, conflated or closed for them. */
  slow?: {
    events: number;
    conflated: number;
    lost: number;
    reordered: number;
    /** Stalled clients still behind the publisher when their catch-up time ran out. */
    stillBehind: number;
    ended: number;
    endReasons: Record<string, number>;
    /** What each stalled client left unread while stalled: published events × mean message size. */
    unreadBytesPerClient: number;
  };
  rss?: { startBytes: number; peakBytes: number; endBytes: number; seriesBytes: number[] };
}

export type ReadEndpoint = 'dishes' | 'events' | 'sales';
export type ReadServer = 'dish' | 'bare';

/** One read route served by one server under the HTTP load, at one length of sales history. */
export interface ReadsStep {
  endpoint: ReadEndpoint;
  /** The path requested, query included. */
  path: string;
  /** Sales buckets in Redis during the step: none, or 24 h of them. */
  buckets: number;
  server: ReadServer;
  requests: number;
  reqPerSec: number;
  /** Requests per second of the server's own CPU time: its cost per request, whatever else ran on its core. */
  reqPerCpuSecond: number | null;
  latency: LatencySummary;
  statuses: Record<string, number>;
  non2xx: number;
  /** Requests that got no answer at all. */
  errors: number;
  firstError?: string;
  /** The answer's body (the same bytes from both servers). */
  bodyBytes: number;
  /** Redis calls per request, by command and summed (INFO commandstats; a Lua script's calls count one by one). */
  redisCalls: Record<string, number>;
  redisCallsPerRequest: number;
  /** Percent of one core: the server process, the load generator, both cores (whoever used them), Redis. */
  cpu: { server: number; loadgen: number; serverCore: number; loadgenCore: number; redis: number };
  loadgenLimited: boolean;
  contended: boolean;
}

export interface ReadsResult {
  status: Status;
  reason?: string;
  connections: number;
  durationMs: number;
  /** Events written before the measurement; polling asks for those after the one `sinceBack` before the last. */
  events: number;
  sinceBack: number;
  /** The histories measured, in sales buckets. */
  histories: number[];
  steps: ReadsStep[];
  /** Routes the dish service did not serve (answered other than 200 before the load), so nothing was measured. */
  missing: { endpoint: ReadEndpoint; path: string; buckets: number; reason: string }[];
}

/** One case of the restaurants scenario: its restaurants, clients, and the deliveries/s steps it ran. */
export interface RestaurantsCase {
  /** Where the case's gateway spent its busy time (`--profile` runs only). */
  profile?: ProfileSummary;
  restaurants: number;
  clientsPerRestaurant: number;
  /** Clients connected (restaurants × clients per restaurant when every one opened). */
  clients: number;
  /**
   * Each step's `rate` is events/s over all restaurants: the step's deliveries/s over the clients one event reaches.
   * Stepping goes on past a p99 over the fan-out's bound while the gateway keeps up, and stops at the first step it
   * did not keep up with.
   */
  steps: StepResult[];
  /**
   * Highest deliveries/s of a step the gateway kept up with: everything delivered in order (≥ 95 % within the step and
   * its drain, nothing lost, reordered, conflated or still owed), the publisher at the step's rate, p99 ≤ 1 s. The
   * throughput the ratio compares; null when anything was lost or reordered.
   */
  maxKeptUp: number | null;
  /** Highest deliveries/s of a sustained step (the fan-out's rule: p99 ≤ its bound as well); null when none was. */
  maxSustained: number | null;
  peakDeliveries: number | null;
  /**
   * What ended the stepping (the first step not kept up with): `publisher` — the publisher (one Lua script call per
   * event, on the load generator's core with Redis) could not write the step's rate; `loadgen` — the load generator's
   * core was saturated; `grid` — no step was left; `gateway` — none of those, or the gateway's own CPU was ≥ 90 % of
   * its core in that step whatever else fell short. Unless `gateway`, `maxKeptUp` is a floor.
   */
  stoppedBy: 'gateway' | 'publisher' | 'loadgen' | 'grid';
  /** Steps flagged loadgen-limited (the load generator's core > 90 % busy): their figures are floors as well. */
  loadgenLimitedSteps: number;
  lost: number;
  reordered: number;
  undelivered: number;
  /** Gateway RSS at the last step, and its live heap after a full GC with every client still connected. */
  rssBytes: number;
  liveHeapBytes?: number;
  /** The gateway's own /metrics at the end: its estimate of the live restaurants' bytes (the budget's count), ring shrinks, evictions. */
  gateway?: GatewayRestaurantMetrics;
}

export interface GatewayRestaurantMetrics {
  live?: number;
  estimatedBytes?: number;
  ringShrinks?: number;
  evictions?: number;
}

/** All clients of some restaurants leave and come back: how long until each has its snapshot again. */
export interface ChurnRun {
  /** `long`: the views are still live when the clients return; `short`: released first, reloaded from Redis. */
  kind: 'long' | 'short';
  graceMs: number;
  restaurants: number;
  clients: number;
  /** Restaurants live beside the churning ones (their clients stay connected). */
  otherRestaurants: number;
  /**
   * Before the return, by PUBSUB SHARDNUMSUB on the churning restaurants' channels: true — none had a subscriber left
   * (released), false — every one still had the gateway's (live), null — some of each.
   */
  released: boolean | null;
  /** How long the release took after the last client left (short grace). */
  releaseMs?: number;
  /** From the first reconnect to the last snapshot. */
  totalMs: number;
  /** Per client, from its connect to its snapshot. */
  snapshot: LatencySummary;
  failed: number;
  firstError?: string;
}

/**
 * Gateway live memory per loaded restaurant (one client each, then left within the grace period), loaded in two equal
 * batches: what the second batch adds, per restaurant, is the cost of one more restaurant; what both add over the
 * baseline includes what the first loads build once (maps grown, code compiled again after V8 flushed it).
 */
export interface MemoryPoint {
  restaurants: number;
  heapBytes: number;
  rssBytes: number;
}

export interface RestaurantMemoryRun {
  ringSize: number;
  restaurants: number;
  /** Live heap after full GCs (inspector): none loaded (settled), and with every restaurant loaded. */
  heapBeforeBytes: number;
  heapAfterBytes: number;
  /** RSS after those same collections. */
  rssBeforeBytes: number;
  rssAfterBytes: number;
  /** Every reading, none loaded first, after each batch (runs before 2026-12-03 read once half-way instead). */
  points?: MemoryPoint[];
  heapHalfBytes?: number;
  rssHalfBytes?: number;
  /** Growth per restaurant, the least-squares slope through the readings: the figure checked against the target. */
  heapPerRestaurant: number;
  rssPerRestaurant: number;
  /** (all − none) / restaurants. */
  heapPerRestaurantAverage: number;
  /** After `ringEvents` events written to each loaded restaurant (its ring holds them): the ring's share per event. */
  ringEvents?: number;
  heapWithEventsBytes?: number;
  heapPerRingEntry?: number;
  /** The gateway's own /metrics with the restaurants loaded (its estimate, as the memory budget counts it). */
  gateway?: GatewayRestaurantMetrics;
}

export interface RestaurantsResult {
  server: ServerName;
  status: Status;
  reason?: string;
  single?: RestaurantsCase;
  many?: RestaurantsCase;
  /** many.maxKeptUp / single.maxKeptUp (the target's figure); a floor when something other than the gateway stopped the many case. */
  ratio: number | null;
  ratioIsFloor: boolean;
  /** The same for the sustained figures (p99 within the fan-out's bound); null when either case sustained no step. */
  sustainedRatio: number | null;
  /**
   * The gateway's cost side by side at the highest deliveries/s both cases kept up with: its CPU there (percent of one
   * core) and p99. Unlike the ratio of maxima this does not depend on where the publisher stopped.
   */
  atCommonStep?: { deliveriesPerSec: number; singleCpu: number; manyCpu: number; singleP99: number; manyP99: number; cpuRatio: number | null };
  churn: ChurnRun[];
  memory: RestaurantMemoryRun[];
  /** Live heap per loaded restaurant: its view with an empty ring, and with `ringEvents` events in its ring. */
  viewBytes: number | null;
  viewWithRingBytes: number | null;
  lost: number;
  reordered: number;
}

/** One redis-server of a cluster and its CPU over a measurement (percent of one core). */
export interface ClusterNodeCpu {
  port: number;
  role: 'primary' | 'replica';
  cpu: number;
}

/** What bounded a saturating write round: a saturated core (Redis's, or the writers'), or neither (round trips, other work). */
export type ClusterLimit = 'redis-core' | 'writer-core' | 'neither';

/** One round of writes as fast as the load's concurrency allows, on one cluster at one WRITE_MIN_REPLICAS. */
export interface ClusterWriteRound {
  writes: number;
  /** Writes refused (a replica not confirming in time, with WRITE_MIN_REPLICAS) and the first reason. */
  failed: number;
  firstError?: string;
  writesPerSec: number;
  /** Each write's round trip at the writer (script, and WAIT plus the confirm script with replicas required). */
  latency: LatencySummary;
  /** Percent of one core: the primaries together, the replicas together, the writers (load generator workers). */
  cpu: { primaries: number; replicas: number; writers: number; nodes: ClusterNodeCpu[] };
  /** Percent busy of each core, whoever used it. */
  cores: number[];
  /** CPU time per acknowledged write, in µs: of the primaries, of the replicas, of the writers. */
  primaryUsPerWrite: number | null;
  replicaUsPerWrite: number | null;
  writerUsPerWrite: number | null;
  /** Points of the Redis core and of the writers' core busy with work other than ours (a shared machine's neighbours). */
  otherOnRedisCore: number;
  otherOnWriterCore: number;
  limitedBy: ClusterLimit;
}

/** Writes on one cluster at one WRITE_MIN_REPLICAS: every round, and their medians. */
export interface ClusterWriteConfig {
  primaries: number;
  replicasPerPrimary: number;
  minReplicas: number;
  restaurants: number;
  rounds: ClusterWriteRound[];
  writesPerSec: number | null;
  primaryUsPerWrite: number | null;
  replicaUsPerWrite: number | null;
  writerUsPerWrite: number | null;
  /** 10⁶ / primaryUsPerWrite: the writes/s one primary's core would take at the measured cost per write. */
  writesPerPrimaryCoreSecond: number | null;
  /** The primaries' used_memory growth over the rounds per stream entry they added (INFO memory, XLEN). */
  bytesPerStreamEntry: number | null;
  /** The bound most rounds had; anything but `redis-core` makes writesPerSec a floor for Redis. */
  limitedBy: ClusterLimit;
}

/** 3 primaries against 1 at one WRITE_MIN_REPLICAS: medians of the rounds' ratios (round k of each ran back to back). */
export interface ClusterComparison {
  minReplicas: number;
  writesRatio: number | null;
  primaryUsRatio: number | null;
  replicaUsRatio: number | null;
}

/** One gateway on a cluster: clients of every restaurant, writes at a fixed rate, every delivery counted against the log. */
export interface ClusterDelivery {
  primaries: number;
  minReplicas: number;
  restaurants: number;
  clientsPerRestaurant: number;
  clients: number;
  /** Writes/s asked for, the same on both clusters at a WRITE_MIN_REPLICAS. */
  rate: number;
  step?: StepResult;
  /** Σ over the restaurants of (the bench dish's version in Redis after − before) × the restaurant's clients. */
  dueFromLog: number;
  /** Events the clients received from the step's start to the end of the final drain. */
  delivered: number;
  /** Deliveries still owed after the final drain against the versions in Redis, plus gaps: lost. */
  missing: number;
  lost: number;
  reordered: number;
  /** Percent of one core over the step and its drain. */
  cpu: { primaries: number; replicas: number; gateway: number };
  primaryUsPerWrite: number | null;
}

export interface ClusterResult {
  status: Status;
  reason?: string;
  /** Whether taskset pinned the nodes: every redis-server to `redisCore`, the load generator (writers) to `writerCore`. */
  pinned: boolean;
  redisCore: number;
  writerCore: number;
  workers: number;
  connectionsPerWorker: number;
  concurrency: number;
  replicaTimeoutMs: number;
  writes: ClusterWriteConfig[];
  comparisons: ClusterComparison[];
  deliveries: ClusterDelivery[];
  lost: number;
  reordered: number;
}

export interface Summary {
  wsVsSocketIo: number | null;
  wsVsRawUws: number | null;
  sseVsExpress: number | null;
  sseVsRawHttp: number | null;
  wsBytesPerConn: number | null;
  sseBytesPerConn: number | null;
  /** Each gateway's live memory per idle connection over its raw peer's, at each count both measured; absent before. */
  memoryRatios?: MemoryRatio[];
  /** p99 of the gateway over p99 of the raw ceiling at the step nearest 200k deliveries/s. */
  wsP99VsRawAt200k: number | null;
  sseP99VsRawAt200k: number | null;
  lost: number;
  reordered: number;
  /** Peers whose healthy clients were still owed deliveries when the slow scenario's catch-up time ended (late, not lost). */
  peersBehindAfterStall?: { server: ServerName; owed: number }[];
  /** The dish service's lowest req/s over the bare express + ioredis peer's, among the read routes and histories. */
  readsWorstRatio?: number | null;
  /** Per read route and history: both servers' req/s, their ratio against the target, the dish service's Redis work. */
  reads?: {
    endpoint: ReadEndpoint;
    buckets: number;
    dishReqPerSec: number;
    bareReqPerSec: number;
    ratio: number | null;
    met: boolean | null;
    cpuRatio: number | null;
    dishRedisCallsPerRequest: number;
  }[];
  loadgenLimited: boolean;
  loadgenLimitedSteps: string[];
  /** Steps where other work took a real share of the server's core. */
  contendedSteps: number;
  crashes: string[];
  /** ws-gateway's restaurants scenario: many/single deliveries/s (and whether that is a floor), live bytes per restaurant view. */
  restaurantsRatio?: number | null;
  restaurantsRatioIsFloor?: boolean;
  restaurantViewBytes?: number | null;
  /** The same many/single ratio for raw uWS (the transport alone, no views), when it ran the scenario. */
  restaurantsRatioRawUws?: { ratio: number | null; isFloor: boolean };
  /** The dish service's PATCH req/s over the bare express + ioredis handler's, each at its best clean step. */
  writesRatio?: number | null;
  /** The cluster scenario per WRITE_MIN_REPLICAS: writes/s and primaries' CPU µs per write on 1 primary and on 3. */
  clusterWrites?: { minReplicas: number; writesPerSec: [number | null, number | null]; primaryUsPerWrite: [number | null, number | null]; writesRatio: number | null }[];
  /** Per server and fixed rate: CPU-seconds per million deliveries over its raw peer's (both kept up), and the kernel's part. */
  costVsRaw?: { server: ServerName; raw: ServerName; deliveriesPerSec: number; ratio: number | null; sysRatio: number | null; flagged?: boolean }[];
  /** ws-gateway's ceiling over raw uWS's under the same CPU budget; `bound` says what floors make of it. */
  ceilingRatio?: number | null;
  ceilingRatioBound?: 'exact' | 'at least' | 'at most' | 'unknown';
  targets: Record<string, { target: string; met: boolean | null }>;
}

/** One reconnect storm: every client at once, the figures merged over the load generator's workers. */
export interface ReconnectFigures {
  attempted: number;
  opened: number;
  failed: number;
  firstError?: string;
  /** Accepted connections per second: those opened over the time from the first reconnect attempt to the last open. */
  connectsPerSec: number;
  /** From the first reconnect attempt to the last open, and to the last first message (0 when none was waited for). */
  openSpanMs: number;
  firstSpanMs: number;
  /** Per client, from its reconnect attempt to its open (WS 101, SSE 200 response head). */
  open: LatencySummary;
  /** Per client, from its reconnect attempt to its first message (`resumed`, or a snapshot); Dish Live's gateways only. */
  first: LatencySummary;
  /** The first message's type on each new connection. */
  firstTypes: Record<string, number>;
  /** Failed reconnects by reason. */
  errors: Record<string, number>;
  /** Clients uWebSockets.js closed right after their 101, reconnected once (docs/ARCHITECTURE.md, "Known issues"); absent when none. */
  earlyCloses?: number;
  /**
   * Connects the kernel dropped at a full accept queue during the storm (TcpExt ListenOverflows, machine-wide, so a
   * neighbour's count too); each waits for its SYN retransmit. Absent where /proc/net/netstat has no such counter.
   */
  listenOverflows?: number;
}

/** CPU time the storm took: less noisy on a shared machine than its clock times. */
export interface StormCpu {
  elapsedMs: number;
  /** utime + stime of the new server process, and of the load generator's processes, over the storm. */
  serverMs: number;
  loadgenMs: number;
  /** The server's CPU per client taken back (µs). */
  serverUsPerClient: number;
  /** How busy the load generator's core was (whoever used it): past 90 % the times are the load generator's too. */
  loadgenCorePct: number;
  loadgenLimited: boolean;
}

/**
 * Connection churn (issue 18): the server SIGKILLed under `clients` held clients, events written while it is down,
 * restarted on the same port, every client reconnecting at once with its last event id.
 */
export interface ChurnResult {
  server: ServerName;
  description: string;
  status: 'ok' | 'skipped' | 'failed' | 'crashed';
  reason?: string;
  clients: number;
  /** Events written before the kill (so every client has a last id), while the server was down, after the return. */
  events: { before: number; down: number; after: number };
  /** From the SIGKILL to the new process listening (ready): not part of any reconnect figure. */
  restartMs: number;
  reconnect?: ReconnectFigures;
  /** CPU over the storm, from the first attempt until every client is back (opened, and answered when waited for). */
  cpu?: StormCpu;
  /** Dish Live only: events clients missed, got twice or out of order, and still owed after the drain, over the whole run. */
  lost: number;
  reordered: number;
  undelivered: number;
  /** Clients that came back with a snapshot rather than `resumed` (a resume should always find its id here). */
  snapshots: number;
}

export interface RunResult {
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  options: Record<string, unknown>;
  machine: Record<string, unknown>;
  versions: Record<string, string>;
  fanout: FanoutResult[];
  memory: MemoryResult[];
  e2e?: E2eResult;
  slow: SlowResult[];
  reads?: ReadsResult;
  /** Absent in runs from before the scenario existed. */
  restaurants?: RestaurantsResult[];
  /** Writes over a 1- and a 3-primary Redis Cluster, and deliveries through a gateway on each; absent before it existed. */
  cluster?: ClusterResult;
  /** `state?at=` at random moments of 100,000 events (issue 16); absent before it existed. */
  history?: HistoryResult;
  /** PATCH through the dish service beside a bare express + ioredis handler (issue 18); absent before it existed. */
  writes?: WritesResult;
  /** Each fan-out server's CPU and write syscalls per million deliveries at fixed rates (issue 18); absent before it existed. */
  cost?: CostResult[];
  /** ws-gateway and raw uWS each held to the same CPU budget, rates stepped to each one's own limit (issue 18). */
  ceiling?: CeilingResult;
  /** Connection churn: a killed server's clients all reconnecting at once (issue 18); absent before it existed. */
  churn?: ChurnResult[];
  /** Scenarios this run did not measure, carried over from an earlier one: each one's run start (report/carry-over.ts). */
  carried?: Partial<Record<ScenarioName, string>>;
  /** The load generator's profile over the whole run (`--profile` runs only). */
  loadgenProfile?: ProfileSummary;
  summary: Summary;
}
