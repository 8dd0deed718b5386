// `npm run bench`: runs the benchmark scenarios against Dish Live's gateways and the peers, then writes the reports.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnRedisServer, type RedisServerProcess } from '@dish-live/local-redis';
import { stopAllStarted } from '@dish-live/test-support';
import { limits, pin } from './processes.js';
import { profileLine, readProfile } from './profile.js';
import { writeCapacityDoc, type SourcedRun } from './report/capacity.js';
import { carriedLine, carryOver } from './report/carry-over.js';
import { resultsFileName, writeResults } from './report/json.js';
import { writeBenchmarksDoc } from './report/markdown.js';
import { renderMemoryProfiles } from './report/memory.js';
import { writeProfilesBlock, writeProfilesDoc } from './report/profiles.js';
import { readsTable } from './report/reads.js';
import { writesTable } from './report/writes.js';
import { ceilingTable, costTable } from './report/cost.js';
import { failures, summarizeRun } from './report/summary.js';
import { restaurantsTable } from './report/restaurants.js';
import { CHURN_PAIRS, churnTable } from './report/churn.js';
import { clusterComparisonTable, clusterDeliveriesTable, clusterWritesTable } from './report/cluster.js';
import { fanoutTable, renderText, summaryTable } from './report/table.js';
import type { RunResult } from './results.js';
import { runChurn } from './scenarios/churn.js';
import { runCluster, stopClusters } from './scenarios/cluster.js';
import { runE2e } from './scenarios/e2e.js';
import { runFanout } from './scenarios/fanout.js';
import { runHistory } from './scenarios/history.js';
import { runMemory, type MemoryPlan } from './scenarios/memory.js';
import { runReads } from './scenarios/reads.js';
import { runRestaurants } from './scenarios/restaurants.js';
import { runSlow } from './scenarios/slow.js';
import { runWrites } from './scenarios/writes.js';
import { runCost } from './scenarios/cost.js';
import { runCeiling } from './scenarios/ceiling.js';
import { SCENARIOS, type Context, type Options, type ScenarioName } from './scenarios/context.js';
import { SERVER_NAMES, SERVERS, type ServerName } from './servers.js';
import { LoadGen } from './workers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/**
 * The run's Redis, so a signal or the watchdog can stop it too (the other children: stopAllStarted, from the test kit;
 * the cluster scenario's clusters: stopClusters).
 */
let activeRedis: RedisServerProcess | undefined;
const stopEverything = () => stopAllStarted().finally(() => Promise.all([activeRedis?.stop(), stopClusters()]));

const USAGE = `usage: npm run bench -- [--quick] [--scenario ${SCENARIOS.join(',')}] [--servers ${SERVER_NAMES.join(',')}]
       [--clients N] [--rates 50,100,...] [--connections N] [--workers N] [--cpu-budget CORES] [--no-docs] [--report-only] [--profile]
  --cpu-budget  the CPU each server gets in the ceiling scenario (default 0.5 core; lower it when the machine is
                busy enough that the load generator's core saturates first)
  --profile  CPU-profile (node --cpu-prof) every fan-out server and the load generator; the profiler's overhead
             lowers every figure, so such a run writes docs/PROFILES.md and bench/results/profiles/, not latest.json`;

function list<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((i) => !(allowed as readonly string[]).includes(i));
  if (bad.length) throw new Error(`--${name}: unknown ${bad.join(', ')} (expected ${allowed.join(', ')})`);
  return items as T[];
}

function positive(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: expected a positive integer`);
  return n;
}

function fraction(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0 && n <= 1)) throw new Error(`--${name}: expected cores in (0, 1]`);
  return n;
}

function parseOptions(argv: string[]): Options & { docs: boolean; reportOnly: boolean; connectionsGiven: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      scenario: { type: 'string' },
      servers: { type: 'string' },
      clients: { type: 'string' },
      rates: { type: 'string' },
      connections: { type: 'string' },
      workers: { type: 'string' },
      'cpu-budget': { type: 'string' },
      'no-docs': { type: 'boolean', default: false },
      'report-only': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick;
  const servers = list(values.servers, SERVER_NAMES, 'servers') ?? [...SERVER_NAMES];
  const rates = values.rates?.split(',').map((r) => positive(r, 'rates')!);
  return {
    quick,
    docs: !values['no-docs'],
    reportOnly: values['report-only'],
    connectionsGiven: values.connections !== undefined,
    scenarios: list(values.scenario, SCENARIOS, 'scenario') ?? [...SCENARIOS],
    servers,
    workers: positive(values.workers, 'workers') ?? 1,
    ...(values.profile ? { profileDir: `${RESULTS_DIR}profiles/${new Date().toISOString().replace(/[:.]/g, '-')}` } : {}),
    serverCore: 0,
    loadgenCore: 1,
    fanout: {
      clients: positive(values.clients, 'clients') ?? (quick ? 200 : 1000),
      // Steps of about √2, so a maximum is never understated by more than ~30 %.
      rates: rates ?? (quick ? [100, 1000, 2000, 4000] : [50, 70, 100, 140, 200, 280, 400, 560, 800, 1100, 1600, 2200, 3200, 4500, 6400]),
      stepMs: quick ? 1500 : 5000,
      drainMs: quick ? 3000 : 10_000,
      finalDrainMs: quick ? 10_000 : 30_000,
      p99LimitMs: 100,
    },
    memory: { connections: positive(values.connections, 'connections') ?? (quick ? 1000 : 10_000), settleMs: quick ? 500 : 2000 },
    e2e: quick
      ? { wsClients: 50, sseClients: 50, pollers: 10, pollIntervalMs: 1000, rate: 20, durationMs: 4000 }
      : { wsClients: 200, sseClients: 200, pollers: 50, pollIntervalMs: 1000, rate: 50, durationMs: 20_000 },
    // A stalled loopback client soaks up ~4 MB in kernel buffers before a server's own buffers grow: the stall must
    // outlast that (rate × ~220 bytes × time) for the gateway's slow-consumer policy to be exercised at all.
    slow: {
      clients: positive(values.clients, 'clients') ?? (quick ? 50 : 500),
      fraction: 0.1,
      rate: quick ? 3000 : 1000,
      baselineMs: quick ? 1500 : 5000,
      slowMs: quick ? 8000 : 30_000,
      catchUpMs: quick ? 5000 : 15_000,
      // The naive peers have no slow-consumer policy at all; the full run shows what that costs them.
      servers: servers.filter((s) => (quick ? SERVERS[s].dishLive : true)),
    },
    reads: { connections: 50, durationMs: quick ? 2000 : 8000, warmupMs: quick ? 250 : 1000, events: 1000 },
    // Closed loops: the sustained req/s shows where more connections stop adding any, p99 what they queue.
    writes: { connections: quick ? [16] : [8, 32, 128], durationMs: quick ? 2000 : 8000, warmupMs: quick ? 250 : 1000 },
    // Both cases deliver the same totals: the single restaurant E ev/s to all its clients, the many restaurants
    // (E × restaurants) ev/s spread round robin, each event to its restaurant's clients. Steps of about √2, each a
    // whole number of events/s for the single restaurant; from 20k, since the many case needs 1,000× its events and
    // the publisher with Redis, on the load generator's core, writes about 10k events/s at most.
    restaurants: {
      restaurants: quick ? 100 : 1000,
      clientsPerRestaurant: 10,
      deliveries: quick
        ? [20_000, 50_000, 100_000]
        : [20_000, 30_000, 40_000, 60_000, 80_000, 110_000, 160_000, 220_000, 320_000, 450_000, 640_000, 900_000, 1_300_000, 1_800_000],
      stepMs: quick ? 1500 : 5000,
      drainMs: quick ? 3000 : 10_000,
      finalDrainMs: quick ? 10_000 : 30_000,
      churnRestaurants: quick ? 10 : 100,
      longGraceMs: 60_000,
      shortGraceMs: 250,
      memoryRestaurants: quick ? 200 : 1000,
      ringEvents: 10,
      settleMs: quick ? 500 : 1500,
      // The raw peers run the two cases too: how far the transport alone gets from one restaurant to many.
      servers: servers.filter((s) => GATEWAYS_AND_RAW_PEERS.includes(s)),
    },
    // Enough writes in flight, over several cluster connections, to saturate a core on this machine: with
    // WRITE_MIN_REPLICAS a WAIT holds its connection until a replica answers, so one connection would measure round
    // trips. The deliveries write at half what the slower cluster sustained, so the step measures delivery, not writes.
    cluster: {
      replicasPerPrimary: 1,
      restaurants: quick ? 30 : 60,
      minReplicas: [0, 1],
      deliveryMinReplicas: quick ? [1] : [0, 1],
      replicaTimeoutMs: 1000,
      concurrency: 256,
      connectionsPerWorker: 4,
      rounds: quick ? 1 : 3,
      roundMs: quick ? 2000 : 5000,
      warmupMs: quick ? 500 : 1000,
      clientsPerRestaurant: quick ? 3 : 5,
      maxDeliveryRate: quick ? 2000 : 4000,
      stepMs: quick ? 2000 : 5000,
      drainMs: quick ? 3000 : 10_000,
      finalDrainMs: quick ? 10_000 : 30_000,
    },
    // 200k, 500k and 1M deliveries/s with 1,000 clients: below every fast server's saturation, so the CPU is the
    // rate's cost, not a queue's. The quick form: the gateways and their raw peers at 200k and 500k.
    cost: {
      clients: positive(values.clients, 'clients') ?? (quick ? 200 : 1000),
      rates: quick ? [1000, 2500] : [200, 500, 1000],
      stepMs: quick ? 2000 : 8000,
      drainMs: quick ? 3000 : 10_000,
      finalDrainMs: quick ? 10_000 : 30_000,
      servers: servers.filter((s) => (quick ? GATEWAYS_AND_RAW_PEERS.includes(s) : true)),
    },
    // Half a core each, in 10 ms periods (a throttled server waits at most 5 ms, not a whole 100 ms default period):
    // the load generator then has twice the server's CPU, so the server's own limit shows.
    ceiling: {
      clients: positive(values.clients, 'clients') ?? (quick ? 200 : 1000),
      rates: quick ? [500, 1000, 2000, 4000] : [200, 280, 400, 560, 800, 1100, 1600, 2200, 3200],
      stepMs: quick ? 1500 : 5000,
      drainMs: quick ? 3000 : 10_000,
      finalDrainMs: quick ? 10_000 : 30_000,
      rounds: quick ? 1 : 2,
      budgetCores: fraction(values['cpu-budget'], 'cpu-budget') ?? 0.5,
      periodUs: 10_000,
      servers: servers.filter((s) => s === 'ws-gateway' || s === 'uws-raw'),
    },
    // Each server beside its raw ceiling: the same clients killed and back at once.
    churn: {
      clients: positive(values.clients, 'clients') ?? (quick ? 1000 : 10_000),
      rate: 20,
      phaseMs: quick ? 500 : 1000,
      drainMs: quick ? 10_000 : 30_000,
      servers: servers.filter((s) => CHURN_PAIRS.flat().includes(s)),
    },
  };
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Descriptors a server or a load generator worker keeps for itself (listeners, Redis, inspector, pipes), with room. */
const FD_MARGIN = 1000;
/** The gateways and their raw peers: the pairs compared on cost, many restaurants and heaps type by type. */
const GATEWAYS_AND_RAW_PEERS: ServerName[] = ['ws-gateway', 'uws-raw', 'sse-gateway', 'http-sse-raw'];

/**
 * Local ports one client address has towards one server address and port (Linux's ephemeral range). Each server
 * listens on a port of its own, so the range serves every server anew (a local port is reused towards another
 * destination, and loopback reuses TIME_WAIT ports): only one server's connections must fit in it.
 */
function ephemeralPorts(): number {
  const range = /(\d+)\s+(\d+)/.exec(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'));
  return range ? Number(range[2]) - Number(range[1]) + 1 : 28_232;
}

/**
 * The memory scenario's counts: `--connections` alone, or --quick's one count; a full run also measures 1,000 (the
 * first snapshot's count) and the largest count one process's descriptor limit allows (and the client's ports: where
 * prlimit raises the limit to 65,535, the ports bound it), and snapshots the heaps.
 */
function memoryPlan(options: Options & { connectionsGiven: boolean }, nofile: number): MemoryPlan {
  const reference = options.memory.connections;
  if (options.quick || options.connectionsGiven) return { counts: [reference], reference, snapshots: [], snapshotServers: [] };
  const largest = Math.min(nofile, ephemeralPorts()) - FD_MARGIN;
  const counts = [...new Set([1000, reference, ...(largest > reference ? [largest] : [])])].sort((a, b) => a - b);
  return { counts, reference, snapshots: [1000, reference], snapshotServers: GATEWAYS_AND_RAW_PEERS };
}

function machine(): Record<string, unknown> {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim(),
    cpus: cpu.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    limits: limits(),
  };
}

function versions(): Record<string, string> {
  let redis = 'unknown';
  try {
    redis = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? redis;
  } catch {
    // Reported as unknown; the run itself fails at spawn with a clear message.
  }
  return {
    node: process.versions.node,
    redis,
    'uWebSockets.js': packageVersion('uWebSockets.js'),
    'socket.io': packageVersion('socket.io'),
    '@socket.io/redis-adapter': packageVersion('@socket.io/redis-adapter'),
    ws: packageVersion('ws'),
    express: packageVersion('express'),
    ioredis: packageVersion('ioredis'),
  };
}

/** latest.json as it is now (before this run replaces it), named by its own file; undefined when there is none. */
function readLatest(): SourcedRun | undefined {
  try {
    const run = JSON.parse(readFileSync(`${RESULTS_DIR}latest.json`, 'utf8')) as RunResult;
    return { run, file: `bench/results/${resultsFileName(run)}` };
  } catch {
    return undefined;
  }
}

/**
 * docs/CAPACITY.md, from a run that measured the cluster scenario (the per-shard figures are never taken from an older
 * run than the one writing): inputs this run did not measure (a run of the cluster scenario alone) come from `older`.
 */
function writeCapacity(run: SourcedRun, older: SourcedRun | undefined): string {
  if (!run.run.cluster?.writes.length) return 'docs/CAPACITY.md kept (this run did not measure the cluster scenario)';
  const { path, missing } = writeCapacityDoc(`${ROOT}docs`, older ? [run, older] : [run]);
  return path ?? `docs/CAPACITY.md kept (no run measured: ${missing.join(', ')})`;
}

function writeReports(run: RunResult, docs: boolean, profileDir: string | undefined): void {
  const heaps = docs ? renderMemoryProfiles(run) : undefined;
  if (heaps) console.log(`heaps:   ${writeProfilesBlock(`${ROOT}docs`, 'memory', heaps)}`);
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true });
    const file = join(profileDir, 'results.json');
    writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
    console.log(`\nresults: ${file} (a profiled run: bench/results/latest.json is left as it was)`);
    if (docs) console.log(`report:  ${writeProfilesDoc(`${ROOT}docs`, run, ROOT)}`);
    return;
  }
  const previous = readLatest();
  const picture = carryOver(previous?.run, run);
  const { file } = writeResults(RESULTS_DIR, run, picture);
  const carried = carriedLine(picture);
  console.log(`\nresults: ${file} (and bench/results/latest.json${carried ? `, with ${carried}` : ''})`);
  if (!docs) return;
  console.log(`report:  ${writeBenchmarksDoc(`${ROOT}docs`, picture)}`);
  console.log(`capacity: ${writeCapacity({ run, file: `bench/results/${resultsFileName(run)}` }, previous)}`);
}

function printTables(run: RunResult): void {
  const reads = run.reads?.steps.length ? `\n\n${renderText(readsTable(run.reads))}` : '';
  const writes = run.writes?.steps.length ? `\n\n${renderText(writesTable(run.writes))}` : '';
  const cost = run.cost?.length ? `\n\n${renderText(costTable(run.cost))}` : '';
  const ceiling = run.ceiling?.rounds.length ? `\n\n${renderText(ceilingTable(run.ceiling))}` : '';
  const restaurants = run.restaurants?.length ? `\n\n${renderText(restaurantsTable(run.restaurants))}` : '';
  const c = run.cluster;
  const cluster = c?.writes.length
    ? `\n\n${[clusterWritesTable(c), clusterComparisonTable(c), ...(c.deliveries.length ? [clusterDeliveriesTable(c)] : [])].map(renderText).join('\n\n')}`
    : '';
  const churn = run.churn?.length ? `\n\n${renderText(churnTable(run.churn))}` : '';
  console.log(`\n${renderText(fanoutTable(run))}${reads}${writes}${restaurants}${cluster}${cost}${ceiling}${churn}\n\n${renderText(summaryTable(run))}`);
}

async function run(options: Options & { connectionsGiven: boolean }): Promise<RunResult> {
  const tty = process.stdout.isTTY;
  let progressShown = false;
  const log = (line: string) => {
    if (progressShown) process.stdout.write('\r\x1b[2K');
    progressShown = false;
    console.log(line);
  };
  const progress = (line: string) => {
    if (!tty) return;
    process.stdout.write(`\r\x1b[2K${line.slice(0, (process.stdout.columns || 120) - 1)}`);
    progressShown = true;
  };
  const startedAt = new Date().toISOString();
  const { nofile } = limits();
  const memory = memoryPlan(options, nofile);
  if (options.scenarios.includes('memory') && memory.counts.at(-1)! + FD_MARGIN > nofile) {
    log(`warning: the fd limit is ${nofile}; ${memory.counts.at(-1)} connections per server may not all open (raise it: ulimit -n 65535)`);
  }
  log(`Dish Live bench${options.quick ? ' (quick)' : ''}: ${options.scenarios.join(', ')} × ${options.servers.join(', ')}`);
  let redis: RedisServerProcess | undefined;
  let loadgen: LoadGen | undefined;
  const partial: Omit<RunResult, 'summary'> = {
    startedAt, finishedAt: '', quick: options.quick, options: { ...options, memory: { ...options.memory, ...memory } }, machine: machine(), versions: versions(),
    fanout: [], memory: [], slow: [], restaurants: [],
  };
  try {
    redis = activeRedis = await spawnRedisServer();
    // Not the server's core: Redis and the publisher share the load generator's, where a saturated core is flagged.
    partial.machine.pinned = pin(redis.pid, options.loadgenCore) && pin(process.pid, options.loadgenCore);
    loadgen = LoadGen.start(options.workers, options.loadgenCore, options.profileDir);
    let crashedLoadgen: string | undefined;
    void loadgen.died.then((why) => (crashedLoadgen = why));
    let prefixes = 0;
    const ctx: Context = {
      options, redisUrl: redis.url, redisPid: redis.pid, loadgen, log, progress, prefix: (label) => `bench:${++prefixes}:${label}:`,
    };
    const each = async <T>(scenario: ScenarioName, servers: ServerName[], fn: (name: ServerName) => Promise<T>, into: T[]) => {
      if (!options.scenarios.includes(scenario)) return;
      log(`\n== ${scenario}`);
      for (const name of servers) {
        if (crashedLoadgen) throw new Error(`load generator died: ${crashedLoadgen}`);
        into.push(await fn(name));
      }
    };
    await each('fanout', options.servers, (name) => runFanout(ctx, SERVERS[name]), partial.fanout);
    await each('memory', options.servers, (name) => runMemory(ctx, SERVERS[name], memory), partial.memory);
    if (options.scenarios.includes('e2e')) {
      log('\n== e2e');
      partial.e2e = await runE2e(ctx);
    }
    await each('slow', options.slow.servers, (name) => runSlow(ctx, SERVERS[name]), partial.slow);
    if (options.scenarios.includes('reads')) {
      log('\n== reads');
      partial.reads = await runReads(ctx);
      if (partial.reads.status === 'skipped') log(`skipped reads: ${partial.reads.reason ?? ''}`);
    }
    await each('restaurants', options.restaurants.servers, (name) => runRestaurants(ctx, SERVERS[name]), (partial.restaurants ??= []));
    if (options.scenarios.includes('cluster')) {
      log('\n== cluster');
      partial.cluster = await runCluster(ctx);
    }
    if (options.scenarios.includes('history')) {
      log('\n== history');
      partial.history = await runHistory(ctx);
      if (partial.history.status === 'skipped') log(`skipped history: ${partial.history.reason ?? ''}`);
    }
    if (options.scenarios.includes('writes')) {
      log('\n== writes');
      partial.writes = await runWrites(ctx);
      if (partial.writes.status === 'skipped') log(`skipped writes: ${partial.writes.reason ?? ''}`);
    }
    await each('cost', options.cost.servers, (name) => runCost(ctx, SERVERS[name]), (partial.cost ??= []));
    if (options.scenarios.includes('ceiling')) {
      log('\n== ceiling');
      partial.ceiling = await runCeiling(ctx);
    }
    await each('churn', options.churn.servers, (name) => runChurn(ctx, SERVERS[name]), (partial.churn ??= []));
    for (const r of [...partial.fanout, ...partial.memory, ...partial.slow, ...(partial.restaurants ?? []), ...(partial.cost ?? []), ...(partial.churn ?? [])]) {
      if (r.status === 'skipped') log(`skipped ${r.server}: ${r.reason ?? ''}`);
    }
  } finally {
    await loadgen?.stop();
    await stopAllStarted();
    await redis?.stop();
  }
  if (options.profileDir && loadgen) {
    partial.loadgenProfile = readProfile(join(options.profileDir, 'loadgen-0'));
    if (partial.loadgenProfile) log(profileLine('load generator', partial.loadgenProfile));
  }
  partial.finishedAt = new Date().toISOString();
  partial.machine.loadAverageAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  return { ...partial, summary: summarizeRun(partial) };
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options.reportOnly) {
    const latest = readLatest();
    if (!latest) throw new Error(`${RESULTS_DIR}latest.json: missing or unreadable`);
    console.log(`report: ${writeBenchmarksDoc(`${ROOT}docs`, latest.run)}`);
    console.log(`capacity: ${writeCapacity(latest, undefined)}`);
    printTables(latest.run);
    return 0;
  }
  // Everything stops by itself: a run that overstays its bound is ended, children first. The quick bound leaves room
  // for the reads scenario (~35 s), the restaurants scenario (~1 min per gateway), the cluster scenario (~30 s) and the
  // cost and ceiling scenarios (~2 min) on top of the < 3 min the others take on a quiet machine.
  const bound = options.quick ? 10 * 60_000 : 90 * 60_000;
  const watchdog = setTimeout(() => {
    console.error(`\nbench: still running after ${bound / 60_000} min; stopping`);
    void stopEverything().finally(() => process.exit(3));
  }, bound);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}; stopping`);
      void stopEverything().finally(() => process.exit(130));
    });
  }
  // A closed stdout (`| head`) or a bug must not leave Redis or a gateway running behind us. Once only: with stdout
  // and stderr gone, every further write fails too.
  let aborting = false;
  const abort = (what: string) => (err: unknown) => {
    if (aborting) return;
    aborting = true;
    try {
      process.stderr.write(`\nbench: ${what}: ${err instanceof Error ? err.message : String(err)}; stopping\n`);
    } catch {
      // stderr is gone as well; stop quietly.
    }
    void stopEverything().finally(() => process.exit(1));
  };
  process.stdout.on('error', abort('stdout'));
  process.stderr.on('error', abort('stderr'));
  process.on('uncaughtException', abort('uncaught exception'));
  process.on('unhandledRejection', abort('unhandled rejection'));
  let result: RunResult;
  try {
    result = await run(options);
  } catch (err) {
    console.error(`\nbench: ${(err as Error).stack ?? String(err)}`);
    return 1;
  } finally {
    clearTimeout(watchdog);
  }
  printTables(result);
  writeReports(result, options.docs, options.profileDir);
  const failed = failures(result);
  if (failed.length) console.error(`\nFAILED:\n  ${failed.join('\n  ')}`);
  // The reports are written either way; the exit code says whether anything was lost, reordered or crashed.
  return failed.length ? 1 : 0;
}

// Explicit exit: a stray handle (a socket still closing) must not keep a finished run alive.
process.exit(await main());
