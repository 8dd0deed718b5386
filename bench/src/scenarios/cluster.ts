// Scenario 7, cluster: the same broker writes (EventLog.updateDish, the Lua path, through ioredis Cluster clients)
// over restaurants spread across a Redis Cluster of 1 primary and one of 3 primaries, each primary with its replica and
// AOF on as in production; writes/s, Redis CPU per write and memory per stream entry, at each WRITE_MIN_REPLICAS. Then
// one ws-gateway on each cluster with clients of every restaurant, every delivery counted against the log.
import { Cluster } from 'ioredis';
import { brokerKeys, EventLog, Restaurants } from '@dish-live/broker';
import { restaurantsOnEveryPrimary, spawnRedisCluster, type RedisClusterProcess } from '@dish-live/local-redis';
import { cpuBetween, sampleCpu } from '../cpu.js';
import { BENCH_DISH_ID } from '../loadgen/message.js';
import { summarize } from '../loadgen/stats.js';
import { pin } from '../processes.js';
import { Publisher } from '../publisher.js';
import type { ClusterDelivery, ClusterResult, ClusterWriteConfig, ClusterWriteRound } from '../results.js';
import { SERVERS, startServer, unavailable } from '../servers.js';
import { bytesPerEntry, compareConfigs, configFigures, deliveryRate, roundFigures, usPerWrite } from './cluster-figures.js';
import { drain, measureStep, noteEarlyCloses, stepLine, type Context } from './context.js';
import { Crash, exited } from './fanout.js';

const GROUP = 'cluster';
/** The clusters compared: the first is the baseline of every ratio. */
const PRIMARIES = [1, 3] as const;

/** Clusters this scenario started and has not stopped yet, so that a signal or the watchdog can stop them too. */
const running = new Set<RedisClusterProcess>();

export async function stopClusters(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop()));
  running.clear();
}

interface Deployed {
  primaries: number;
  cluster: RedisClusterProcess;
  /** The orchestrator's own connection: registry, bench dishes, versions, memory and stream lengths. */
  client: Cluster;
  nodes: { pid: number; port: number; role: 'primary' | 'replica' }[];
  /** Restaurant ids whose slots are dealt evenly over the primaries. */
  rids: string[];
}

async function deploy(ctx: Context, primaries: number): Promise<Deployed> {
  const o = ctx.options.cluster;
  ctx.progress(`cluster: starting ${primaries} primar${primaries === 1 ? 'y' : 'ies'} × ${1 + o.replicasPerPrimary} nodes`);
  const cluster = await spawnRedisCluster({ primaries, replicasPerPrimary: o.replicasPerPrimary, appendOnly: true, onProgress: (line) => ctx.progress(line) });
  running.add(cluster);
  const primaryPorts = new Set((await cluster.primaries()).map((p) => p.port));
  // Nothing was killed, so pids and ports are in the same (node) order.
  const nodes = cluster.ports.map((port, i) => ({ pid: cluster.pids[i]!, port, role: primaryPorts.has(port) ? ('primary' as const) : ('replica' as const) }));
  const client = new Cluster(
    cluster.nodes.split(',').map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })),
    { scaleReads: 'master' },
  );
  return { primaries, cluster, client, nodes, rids: await restaurantsOnEveryPrimary(cluster, o.restaurants) };
}

/** Registers the restaurants under `prefix` and creates each one's bench dish with the writes' durability. */
async function prepare(ctx: Context, d: Deployed, prefix: string, minReplicas: number): Promise<void> {
  const durability = { minReplicas, replicaTimeoutMs: ctx.options.cluster.replicaTimeoutMs };
  const registry = new Restaurants(d.client, prefix);
  await Promise.all(d.rids.map((rid) => registry.create(rid, `Bench ${rid}`)));
  await Publisher.over(d.rids.map((restaurant) => new EventLog(d.client, { prefix, restaurant, durability })), d.rids);
}

function writersFor(ctx: Context, d: Deployed, id: string, prefix: string, minReplicas: number) {
  const o = ctx.options.cluster;
  return ctx.loadgen.openWriters({
    id, nodes: d.cluster.nodes, prefix, restaurants: d.rids, minReplicas, replicaTimeoutMs: o.replicaTimeoutMs, connections: o.connectionsPerWorker,
  });
}

/** The bench dish's version of every restaurant as Redis holds it now: what the log says each client is due. */
async function logVersions(d: Deployed, prefix: string): Promise<Record<string, number>> {
  const versions = await Promise.all(d.rids.map((rid) => d.client.hget(brokerKeys(prefix, rid).dish(BENCH_DISH_ID), 'version')));
  return Object.fromEntries(d.rids.map((rid, i) => [rid, Number(versions[i] ?? -1)]));
}

/** The primaries' used_memory and the restaurants' stream entries under `prefix`, read together. */
async function memoryAndEntries(d: Deployed, prefix: string): Promise<{ memory: number; entries: number }> {
  const infos = await Promise.all(d.client.nodes('master').map((node) => node.info('memory')));
  const memory = infos.reduce((s, info) => s + Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0), 0);
  const lengths = await Promise.all(d.rids.map((rid) => d.client.xlen(brokerKeys(prefix, rid).events)));
  return { memory, entries: lengths.reduce((s, n) => s + n, 0) };
}

async function writeRound(ctx: Context, d: Deployed, id: string): Promise<ClusterWriteRound> {
  const o = ctx.options.cluster;
  const pids = [...d.nodes.map((n) => n.pid), ...ctx.loadgen.pids, process.pid];
  const a = sampleCpu(pids);
  const w = await ctx.loadgen.write(id, { mode: 'saturate', concurrency: o.concurrency, durationMs: o.roundMs });
  const b = sampleCpu(pids);
  return roundFigures({
    writes: w.writes, failed: w.failed, ...(w.firstError ? { firstError: w.firstError } : {}), elapsedMs: w.elapsedMs,
    latency: summarize(w.latency), usage: cpuBetween(a, b), seconds: (b.at - a.at) / 1000, nodes: d.nodes,
    writerPids: ctx.loadgen.pids, otherOwnPids: [process.pid], redisCore: ctx.options.serverCore, writerCore: ctx.options.loadgenCore,
  });
}

const label = (primaries: number, minReplicas: number) => `${primaries} primar${primaries === 1 ? 'y' : 'ies'}, WRITE_MIN_REPLICAS=${minReplicas}`;

/**
 * Both clusters at one WRITE_MIN_REPLICAS: each gets its writers and a warm-up, then rounds alternate between them
 * (the order swapped every round), so that a neighbour's burst on this shared machine falls on both alike.
 */
async function measureWrites(ctx: Context, deployed: Deployed[], minReplicas: number): Promise<ClusterWriteConfig[]> {
  const o = ctx.options.cluster;
  const runs = [];
  for (const d of deployed) {
    const id = `${d.primaries}p-w${minReplicas}`;
    const prefix = ctx.prefix(`cluster-${id}`);
    await prepare(ctx, d, prefix, minReplicas);
    await writersFor(ctx, d, id, prefix, minReplicas);
    await ctx.loadgen.write(id, { mode: 'saturate', concurrency: o.concurrency, durationMs: o.warmupMs });
    runs.push({ d, id, prefix, before: await memoryAndEntries(d, prefix), rounds: [] as ClusterWriteRound[] });
  }
  for (let r = 0; r < o.rounds; r++) {
    for (const run of r % 2 === 0 ? runs : [...runs].reverse()) {
      const round = await writeRound(ctx, run.d, run.id);
      run.rounds.push(round);
      ctx.log(
        `cluster writes ${label(run.d.primaries, minReplicas)} round ${r + 1}: ${round.writesPerSec} writes/s, ` +
          `µs CPU per write: primaries ${round.primaryUsPerWrite} replicas ${round.replicaUsPerWrite} writers ${round.writerUsPerWrite}; ` +
          `cores ${round.cores.join('%/')}% (others ${round.otherOnRedisCore}/${round.otherOnWriterCore}); p99 ${round.latency.p99} ms` +
          `${round.failed ? `; ${round.failed} refused (${round.firstError})` : ''} — limited by ${round.limitedBy}`,
      );
    }
  }
  const configs = [];
  for (const run of runs) {
    const after = await memoryAndEntries(run.d, run.prefix);
    await ctx.loadgen.closeWriters(run.id);
    configs.push(configFigures({
      primaries: run.d.primaries, replicasPerPrimary: o.replicasPerPrimary, minReplicas, restaurants: run.d.rids.length, rounds: run.rounds,
      bytesPerStreamEntry: bytesPerEntry(run.before.memory, after.memory, run.before.entries, after.entries),
    }));
  }
  return configs;
}

/**
 * One ws-gateway (REDIS_CLUSTER_NODES, the writes' WRITE_MIN_REPLICAS) with `clientsPerRestaurant` clients on every
 * restaurant; writes at `rate` for a step; then every client is drained against the bench dish's version in Redis.
 */
async function measureDeliveries(ctx: Context, d: Deployed, minReplicas: number, rate: number): Promise<ClusterDelivery> {
  const o = ctx.options.cluster;
  const def = SERVERS['ws-gateway'];
  const id = `${d.primaries}p-d${minReplicas}`;
  const prefix = ctx.prefix(`cluster-${id}`);
  await prepare(ctx, d, prefix, minReplicas);
  await writersFor(ctx, d, id, prefix, minReplicas);
  const paths = d.rids.map((rid) => `${def.path}/${rid}`);
  const pathTargets = (versions: Record<string, number>) => Object.fromEntries(d.rids.map((rid, i) => [paths[i]!, versions[rid] ?? -1]));
  const server = await startServer(def, {
    redisUrl: ctx.redisUrl, prefix, core: ctx.options.serverCore,
    env: { REDIS_CLUSTER_NODES: d.cluster.nodes, WRITE_MIN_REPLICAS: String(minReplicas), WRITE_REPLICA_TIMEOUT_MS: String(o.replicaTimeoutMs) },
  });
  const out: ClusterDelivery = {
    primaries: d.primaries, minReplicas, restaurants: d.rids.length, clientsPerRestaurant: o.clientsPerRestaurant, clients: 0, rate,
    dueFromLog: 0, delivered: 0, missing: 0, lost: 0, reordered: 0, cpu: { primaries: 0, replicas: 0, gateway: 0 }, primaryUsPerWrite: null,
  };
  try {
    const count = d.rids.length * o.clientsPerRestaurant;
    const c = await ctx.loadgen.connect(def.client, server.port, def.path, count, GROUP, 200, { paths, untilFirstMessage: true });
    noteEarlyCloses(ctx, `cluster ${def.name}`, c);
    if (c.failed > 0) throw new Error(`${c.failed} of ${count} clients got no snapshot: ${c.firstError}`);
    out.clients = c.connected;
    // Warm-up: every client has seen a write of its restaurant before the step.
    await ctx.loadgen.write(id, { mode: 'rate', rate, durationMs: 500 });
    await drain(ctx, GROUP, pathTargets(await logVersions(d, prefix)), 10_000);
    const before = await logVersions(d, prefix);
    let acknowledged: Record<string, number> = {};
    const publisher = {
      run: async (stepRate: number, durationMs: number) => {
        const w = await ctx.loadgen.write(id, { mode: 'rate', rate: stepRate, durationMs });
        acknowledged = w.versions;
        return { sent: w.writes, rate: Math.round((w.writes / w.elapsedMs) * 1000), lastSeq: Math.max(0, ...Object.values(w.versions)), writeLatency: w.latency };
      },
    };
    const pids = [...d.nodes.map((n) => n.pid), server.process.pid];
    const a = sampleCpu(pids);
    out.step = await measureStep(ctx, {
      label: `cluster deliveries ${label(d.primaries, minReplicas)}`, publisher, rate, durationMs: o.stepMs, drainMs: o.drainMs, group: GROUP,
      serverPids: [server.process.pid], p99LimitMs: ctx.options.fanout.p99LimitMs, targets: () => pathTargets(acknowledged),
      recipientsPerEvent: o.clientsPerRestaurant,
    });
    const after = await logVersions(d, prefix);
    // Late is not lost: whatever the step's drain left owed has until now, and is then counted against the log.
    const g = await drain(ctx, GROUP, pathTargets(after), o.finalDrainMs);
    const b = sampleCpu(pids);
    const usage = cpuBetween(a, b);
    const sum = (role: 'primary' | 'replica') => Math.round(d.nodes.filter((n) => n.role === role).reduce((s, n) => s + (usage.procs[n.pid] ?? 0), 0) * 10) / 10;
    out.cpu = { primaries: sum('primary'), replicas: sum('replica'), gateway: usage.procs[server.process.pid] ?? 0 };
    out.dueFromLog = d.rids.reduce((s, rid) => s + ((after[rid] ?? 0) - (before[rid] ?? 0)) * o.clientsPerRestaurant, 0);
    out.primaryUsPerWrite = usPerWrite(out.cpu.primaries, (b.at - a.at) / 1000, out.dueFromLog / o.clientsPerRestaurant);
    out.delivered = g?.counters.events ?? 0;
    out.missing = (g?.behind ?? 0) + (g?.silent ?? 0);
    out.lost = (g?.counters.lost ?? 0) + out.missing;
    out.reordered = g?.counters.reordered ?? 0;
    ctx.log(
      `${stepLine(`cluster deliveries ${label(d.primaries, minReplicas)}`, out.step)}; ` +
        `due from the log ${out.dueFromLog}, delivered ${out.delivered}, missing ${out.missing}, reordered ${out.reordered}`,
    );
    if (exited(server)) throw new Crash(`ws-gateway exited (cluster deliveries, ${label(d.primaries, minReplicas)})\n${server.process.tail()}`);
    return out;
  } catch (err) {
    if (!(err instanceof Crash) && exited(server)) throw new Crash(`ws-gateway exited: ${(err as Error).message}\n${server.process.tail()}`);
    throw err;
  } finally {
    await ctx.loadgen.closeAll();
    await server.process.stop();
  }
}

export async function runCluster(ctx: Context): Promise<ClusterResult> {
  const o = ctx.options.cluster;
  const result: ClusterResult = {
    status: 'ok', pinned: false, redisCore: ctx.options.serverCore, writerCore: ctx.options.loadgenCore, workers: ctx.loadgen.pids.length,
    connectionsPerWorker: o.connectionsPerWorker, concurrency: o.concurrency, replicaTimeoutMs: o.replicaTimeoutMs,
    writes: [], comparisons: [], deliveries: [], lost: 0, reordered: 0,
  };
  const deployed: Deployed[] = [];
  try {
    for (const primaries of PRIMARIES) deployed.push(await deploy(ctx, primaries));
    // Every redis-server on one core, the writers (the load generator) on the other: on two cores, the 3-primary
    // cluster's nodes share that core as the 1-primary cluster's two do.
    result.pinned = deployed.every((d) => d.nodes.every((n) => pin(n.pid, ctx.options.serverCore)));
    for (const minReplicas of o.minReplicas) {
      const [one, three] = await measureWrites(ctx, deployed, minReplicas);
      result.writes.push(one!, three!);
      result.comparisons.push(compareConfigs(one!, three!));
    }
    const missing = unavailable(SERVERS['ws-gateway']);
    if (missing) {
      ctx.log(`cluster deliveries skipped: ${missing}`);
    } else {
      for (const minReplicas of o.deliveryMinReplicas) {
        const rate = deliveryRate(result.writes.filter((w) => w.minReplicas === minReplicas).map((w) => w.writesPerSec), o.maxDeliveryRate);
        for (const d of deployed) result.deliveries.push(await measureDeliveries(ctx, d, minReplicas, rate));
      }
    }
  } catch (err) {
    result.status = err instanceof Crash ? 'crashed' : 'failed';
    result.reason = (err as Error).message;
    ctx.log(`cluster: ${result.status}: ${result.reason}`);
  } finally {
    await ctx.loadgen.closeAll();
    for (const d of deployed) d.client.disconnect();
    // Every cluster started, a half-deployed one too.
    await stopClusters();
  }
  result.lost = result.deliveries.reduce((s, x) => s + x.lost, 0);
  result.reordered = result.deliveries.reduce((s, x) => s + x.reordered, 0);
  return result;
}
