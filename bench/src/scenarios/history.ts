// Scenario 8, history: `GET /api/state?at=` at random moments of a log of 100,000 events (issue 16's "a day"), against
// the dish service process: p99 ≤ 50 ms, whatever the moment, since an answer reads one checkpoint and at most one
// interval of events after it.
import { existsSync } from 'node:fs';
import { EventLog } from '@dish-live/broker';
import type { SupervisedProcess } from '@dish-live/test-support';
import { LatencyHistogram, summarize, type LatencySummary } from '../loadgen/stats.js';
import { DISH_SERVICE_ENTRY, startDishService } from '../servers.js';
import { connectRedis, type Context } from './context.js';

const TOKEN = 'bench-token';
/** The target for any moment of the day. */
export const HISTORY_P99_TARGET_MS = 50;
/** One request in flight: the figure is an answer's latency, not a queue's (the service has one thread). */
const CONCURRENCY = 1;
/** Writes in flight while the log is filled (through the scripts the service runs, as fast as Redis takes them). */
const WRITE_WINDOW = 128;

export interface HistoryResult {
  status: 'ok' | 'failed' | 'crashed' | 'skipped';
  reason?: string;
  events: number;
  requests: number;
  non2xx: number;
  /** Stream entries kept and the checkpoints beside them, with their memory (MEMORY USAGE). */
  streamEntries: number;
  streamBytes: number;
  checkpoints: number;
  checkpointBytes: number;
  latency?: LatencySummary;
  /** `GET /api/dishes` measured the same way on the same process: the floor the machine sets for any answer. */
  baseline?: LatencySummary;
  met?: boolean;
}

/** 100,000 events through the EventLog API: orders (sales) and price changes over the seeded menu. */
async function fill(log: EventLog, dishIds: string[], events: number, progress: (line: string) => void): Promise<void> {
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < events; i++) {
    const dishId = dishIds[i % dishIds.length]!;
    pending.push(i % 3 === 0 ? log.applyOrder(`h-${i}`, [{ dishId, qty: 1 }]) : log.updateDish(dishId, { price: 100 + (i % 5000) }));
    if (pending.length >= WRITE_WINDOW) {
      await Promise.all(pending.splice(0));
      if (i % 10_000 < WRITE_WINDOW) progress(`history: ${i} events written`);
    }
  }
  await Promise.all(pending);
}

export async function runHistory(ctx: Context): Promise<HistoryResult> {
  const events = 100_000;
  const requests = ctx.options.quick ? 1000 : 5000;
  const result: HistoryResult = { status: 'ok', events, requests: 0, non2xx: 0, streamEntries: 0, streamBytes: 0, checkpoints: 0, checkpointBytes: 0 };
  if (!existsSync(DISH_SERVICE_ENTRY)) return { ...result, status: 'skipped', reason: `${DISH_SERVICE_ENTRY} missing (build with: npx tsc -b tsconfig.build.json)` };
  const prefix = ctx.prefix('history');
  const redis = connectRedis(ctx.redisUrl);
  let dish: { port: number; process: SupervisedProcess } | undefined;
  try {
    // A stream long enough for the day: the default STREAM_MAXLEN (10,000) would cut it by count before its age.
    const streamMaxLen = 2 * events;
    dish = await startDishService({ redisUrl: ctx.redisUrl, prefix, core: ctx.options.serverCore }, TOKEN, { SEED_MENU: 'true', STREAM_MAXLEN: String(streamMaxLen) });
    const menu = (await (await fetch(`http://127.0.0.1:${dish.port}/api/dishes`)).json()) as { id: string }[];
    if (menu.length === 0) throw new Error('the dish service seeded no menu');
    // Stock enough for every order of the run.
    const log = new EventLog(redis, { prefix, streamMaxLen });
    for (const { id } of menu) await log.updateDish(id, { stock: events });
    await fill(log, menu.map((d) => d.id), events, (line) => ctx.progress(line));
    const [first] = (await redis.xrange(log.keys.events, '-', '+', 'COUNT', 1)) as [string, string[]][];
    const from = Number(first![0].split('-')[0]);
    const to = Date.now();
    result.streamEntries = await redis.xlen(log.keys.events);
    result.streamBytes = (await redis.memory('USAGE', log.keys.events)) ?? 0;
    result.checkpoints = await redis.xlen(log.keys.checkpoints);
    result.checkpointBytes = (await redis.memory('USAGE', log.keys.checkpoints)) ?? 0;

    const port = dish.port;
    const measure = async (path: () => string) => {
      const histogram = new LatencyHistogram();
      let next = 0;
      const worker = async () => {
        while (next < requests) {
          next++;
          const started = performance.now();
          const res = await fetch(`http://127.0.0.1:${port}${path()}`);
          await res.arrayBuffer();
          histogram.record(performance.now() - started);
          if (res.status !== 200) result.non2xx++;
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      return summarize(histogram);
    };
    result.baseline = await measure(() => '/api/dishes');
    result.latency = await measure(() => `/api/state?at=${from + Math.floor(Math.random() * (to - from + 1))}`);
    result.requests = result.latency.count;
    result.met = result.non2xx === 0 && result.latency.p99 <= HISTORY_P99_TARGET_MS;
    ctx.log(
      `history GET /api/state?at= over ${to - from} ms of ${events} events (${result.streamEntries} kept, ${Math.round(result.streamBytes / result.streamEntries)} B each; ` +
        `${result.checkpoints} checkpoints, ${result.checkpointBytes} B): ${result.requests} requests, p50 ${result.latency.p50} p99 ${result.latency.p99} ms, ` +
        `non-2xx ${result.non2xx} — target p99 ≤ ${HISTORY_P99_TARGET_MS} ms ${result.met ? 'met' : 'NOT met'}; ` +
        `GET /api/dishes on the same process p50 ${result.baseline.p50} p99 ${result.baseline.p99} ms`,
    );
  } catch (err) {
    const dead = dish && (dish.process.child.exitCode !== null || dish.process.child.signalCode !== null);
    result.status = dead ? 'crashed' : 'failed';
    result.reason = dead ? `dish exited: ${(err as Error).message}\n${dish!.process.tail()}` : (err as Error).message;
    ctx.log(`history: ${result.status}: ${result.reason}`);
  } finally {
    await dish?.process.stop();
    redis.disconnect();
  }
  return result;
}
