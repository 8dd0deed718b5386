// Scenario 2, memory: many idle connections per server, resident memory per connection at each count, and where the
// heap's bytes go (snapshots of the gateways and their raw peers).
import { collectGarbage, heapUsed, rssBytes, waitForInspector } from '@dish-live/test-support';
import { diffHeaps, renderHeapDiff, snapshotHeap, type HeapSummary } from '../heap-profile.js';
import { Publisher } from '../publisher.js';
import type { MemoryCount, MemoryHeapProfile, MemoryResult } from '../results.js';
import { startServer, unavailable, type RunningServer, type ServerDef, type ServerName } from '../servers.js';
import { connectRedis, drain, sleep, type Context } from './context.js';
import { exited } from './fanout.js';

const GROUP = 'memory';
/** Heap diff rows kept per server: the types that grow most per connection. */
const TOP_TYPES = 12;

export interface MemoryPlan {
  /** Counts of idle connections measured in turn, ascending: each adds connections to the ones already open. */
  counts: number[];
  /** The count the headline figures (`bytesPerConn`, the capacity plan's) are read at. */
  reference: number;
  /** Counts the heap is snapshotted at, on a second server, for `snapshotServers` (none with --quick). */
  snapshots: number[];
  snapshotServers: ServerName[];
}

/** The median of a few samples, so one allocation spike does not decide the figure. */
async function steadyRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssBytes(pid));
    await sleep(200);
  }
  return samples.sort((a, b) => a - b)[2]!;
}

const perConn = (bytes: number, n: number) => (n > 0 ? Math.round(bytes / n) : null);

interface Started {
  server: RunningServer;
  inspector: string;
}

/**
 * A server with one event's worth of per-process state already built (so it is not charged to the connections), fed
 * through the broker like every server, peers too: the same bytes and the same Redis and publisher work.
 */
async function startFed(ctx: Context, def: ServerDef, prefix: string, redis: ReturnType<typeof connectRedis>): Promise<Started & { publisher: Publisher }> {
  const publisher = await Publisher.broker(redis, prefix);
  const server = await startServer(def, { redisUrl: ctx.redisUrl, prefix, core: ctx.options.serverCore, inspect: true });
  const inspector = await waitForInspector(server.process);
  await publisher.run(20, 100);
  await sleep(ctx.options.memory.settleMs);
  return { server, inspector, publisher };
}

/** Tries for the connections that failed, after the first: on a shared machine a burst of connects can time out. */
const CONNECT_RETRIES = 2;

/**
 * Opens connections up to `count` (beyond the `open` ones), trying again for those that failed; throws when some still
 * fail, naming the first error. `failed`: how many failed before succeeding on a retry.
 */
async function growTo(ctx: Context, s: Started, open: number, count: number): Promise<{ connected: number; failed: number }> {
  const def = s.server.def;
  let connected = 0;
  let failed = 0;
  for (let attempt = 0; ; attempt++) {
    const c = await ctx.loadgen.connect(def.client, s.server.port, def.path, count - open - connected, GROUP);
    connected += c.connected;
    ctx.progress(`memory ${def.name}: ${open + connected} idle connections open${c.failed ? `, ${c.failed} failed (${c.firstError})` : ''}`);
    if (c.failed === 0) return { connected, failed };
    if (attempt === CONNECT_RETRIES) throw new Error(`${c.failed} of ${count - open} connections still failed on the way to ${count} after ${attempt} retries: ${c.firstError}`);
    failed += c.failed;
    ctx.log(`memory ${def.name}: ${c.failed} connects failed on the way to ${count} (${c.firstError}); trying again for them`);
  }
}

export async function runMemory(ctx: Context, def: ServerDef, plan: MemoryPlan): Promise<MemoryResult> {
  const result: MemoryResult = {
    server: def.name, status: 'ok', requested: plan.reference, connections: 0, failed: 0,
    rssBeforeBytes: 0, rssAfterBytes: 0, bytesPerConn: null, verified: false, lost: 0, reordered: 0, counts: [],
  };
  const missing = unavailable(def);
  if (missing) return { ...result, status: 'skipped', reason: missing };
  const redis = connectRedis(ctx.redisUrl);
  let running: RunningServer | undefined;
  try {
    const s = await startFed(ctx, def, ctx.prefix(`memory-${def.name}`), redis);
    running = s.server;
    const pid = s.server.process.pid;
    // Both figures: RSS with the connections as V8 left it (how much garbage it holds depends on when it last
    // collected: ±15 % between identical runs), and after a full collection, which is live memory and what the
    // target is checked against. The baseline is taken after a collection, the state the connections start from.
    await collectGarbage(s.inspector);
    result.rssBeforeBytes = await steadyRss(pid);
    const heapBefore = await heapUsed(s.inspector);
    let open = 0;
    for (const requested of plan.counts) {
      const c = await growTo(ctx, s, open, requested);
      open += c.connected;
      await sleep(ctx.options.memory.settleMs);
      const noGc = await steadyRss(pid);
      await collectGarbage(s.inspector);
      const rss = await steadyRss(pid);
      const heap = await heapUsed(s.inspector);
      const point: MemoryCount = {
        requested, connections: open, failed: c.failed, rssAfterBytes: rss,
        bytesPerConn: perConn(rss - result.rssBeforeBytes, open),
        bytesPerConnNoGc: perConn(noGc - result.rssBeforeBytes, open),
        heapBytesPerConn: perConn(heap - heapBefore, open),
      };
      result.counts!.push(point);
      if (requested === plan.reference) {
        Object.assign(result, { connections: open, failed: c.failed, rssAfterBytes: rss, rssAfterNoGcBytes: noGc, bytesPerConn: point.bytesPerConn, bytesPerConnNoGc: point.bytesPerConnNoGc });
      }
      ctx.log(
        `memory ${def.name.padEnd(12)} ${String(open).padStart(6)} idle: ${((rss - result.rssBeforeBytes) / 1048576).toFixed(1)} MB → ` +
          `${point.bytesPerConn} B/conn after a full GC (heap ${point.heapBytesPerConn} B; ${point.bytesPerConnNoGc} B without the GC)`,
      );
    }
    // Idle is not dead: a few events must still reach every connection, in order.
    await ctx.loadgen.window();
    const published = await s.publisher.run(20, 150);
    // Up to ~19,000 clients on a load generator core shared with Redis: time for every delivery, done when all arrived.
    const g = await drain(ctx, GROUP, published.lastSeq, 30_000);
    result.lost = (g?.counters.lost ?? 0) + (g?.behind ?? 0);
    result.reordered = g?.counters.reordered ?? 0;
    result.verified = g !== undefined && g.open === open && result.lost === 0 && result.reordered === 0 && g.silent === 0;
    ctx.log(`memory ${def.name.padEnd(12)} ${result.verified ? 'events verified' : `events NOT verified (open ${g?.open}, gaps ${g?.counters.lost}, still due ${g?.behind}, reordered ${result.reordered}, silent ${g?.silent})`} at ${open}`);
  } catch (err) {
    result.status = running && exited(running) ? 'crashed' : 'failed';
    result.reason = (err as Error).message;
    ctx.log(`memory ${def.name}: ${result.status}: ${result.reason}`);
  } finally {
    await ctx.loadgen.closeAll();
    await running?.process.stop();
  }
  try {
    if (result.status === 'ok' && plan.snapshots.length >= 2 && plan.snapshotServers.includes(def.name)) {
      result.heap = await profileHeap(ctx, def, plan, redis, result.counts!);
    }
  } catch (err) {
    // The RSS figures stand without the snapshots; their failure is reported, not the server's.
    ctx.log(`memory ${def.name}: heap snapshots failed: ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
  return result;
}

/**
 * Snapshots a second server at the first and last snapshot counts: a snapshot leaves RSS inflated (V8's snapshot
 * writer allocates outside its heap), so the first server's RSS figures are kept apart from it.
 */
async function profileHeap(ctx: Context, def: ServerDef, plan: MemoryPlan, redis: ReturnType<typeof connectRedis>, counts: MemoryCount[]): Promise<MemoryHeapProfile> {
  const [from, to] = [plan.snapshots[0]!, plan.snapshots.at(-1)!];
  let running: RunningServer | undefined;
  try {
    const s = await startFed(ctx, def, ctx.prefix(`heap-${def.name}`), redis);
    running = s.server;
    const snapshots: HeapSummary[] = [];
    let open = 0;
    for (const n of [from, to]) {
      open += (await growTo(ctx, s, open, n)).connected;
      await sleep(ctx.options.memory.settleMs);
      ctx.progress(`memory ${def.name}: heap snapshot at ${open} connections`);
      snapshots.push(await snapshotHeap(s.inspector));
    }
    const diff = diffHeaps(snapshots[0]!, from, snapshots[1]!, to, TOP_TYPES);
    const [a, b] = [counts.find((c) => c.requested === from), counts.find((c) => c.requested === to)];
    const rssBytesPerConn = a && b ? Math.round((b.rssAfterBytes - a.rssAfterBytes) / (b.connections - a.connections)) : null;
    const nativeBytesPerConn = rssBytesPerConn === null ? null : Math.round(rssBytesPerConn - diff.heapBytesPerConn);
    ctx.log(`memory ${def.name} heap snapshots, ${renderHeapDiff(diff, rssBytesPerConn ?? undefined)}`);
    return { ...diff, rssBytesPerConn, nativeBytesPerConn };
  } finally {
    await ctx.loadgen.closeAll();
    await running?.process.stop();
  }
}
