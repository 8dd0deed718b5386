// Redis stops for 10 s while the simulator runs and orders arrive: 503 + Retry-After meanwhile, nothing lost or doubled after.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { EventLog } from '@dish-live/broker';
import { compareStreamIds } from '@dish-live/protocol';
import { killAllStarted, recordFigures, RestartableRedis, startDish, waitFor, type Figures, type ServiceProcess } from '@dish-live/test-support';
import { caughtUp, judgeDelivery, watchEvents, type EventWatcher } from './event-watcher.js';
import { chainBreaks, readAllEvents, soldEventsByOrder, soldQtyByDish } from './log-contents.js';
import { accepted, judgeOrders, OrderClient, outcomes, request } from './orders.js';
import { jobIdFor } from '../../services/dish/src/orders.js';

const TOKEN = 'fault-outage-token-5f1c';
const PREFIX = 'outage:';
const OUTAGE_MS = 10_000;
const DISHES = ['outage-wonton', 'outage-bao', 'outage-congee', 'outage-noodles'];

let redis: RestartableRedis | undefined;
let inspector: Redis | undefined;
let dish: ServiceProcess | undefined;
const watchers: EventWatcher[] = [];
/** Filled in as the test goes, recorded even when it fails half-way (a crash must show in the report). */
const figures: Partial<Figures> = {};

afterAll(async () => {
  recordFigures(import.meta.url, { ...figures, crashes: dish?.crashed() ? 1 : 0 });
  for (const w of watchers) w.close();
  inspector?.disconnect();
  await killAllStarted();
  await redis?.destroy();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One or two lines on the test's own dishes, whose stock never runs out: every order here must be applied. */
const pick = (n: number) =>
  n % 3 === 0
    ? [{ dishId: DISHES[n % 4]!, qty: 1 + (n % 3) }, { dishId: DISHES[(n + 1) % 4]!, qty: 1 }]
    : [{ dishId: DISHES[n % 4]!, qty: 1 + (n % 3) }];

describe('Redis outage', () => {
  it('answers 503 + Retry-After while Redis is away, then applies every accepted order exactly once and loses no event', async () => {
    redis = await RestartableRedis.start();
    // A shorter order lock than the default 30 s, so a job left active by the outage is taken over in seconds; one
    // worker slot, so a burst of orders builds a backlog for the outage to catch in the queue.
    const svc = await startDish({
      REDIS_URL: redis.url, KEY_PREFIX: PREFIX, SIM_RATE: '10', SEED_MENU: 'true', DISH_API_TOKENS: TOKEN,
      ORDER_LOCK_MS: '5000', ORDER_CONCURRENCY: '1',
    });
    dish = svc;
    const auth = { authorization: `Bearer ${TOKEN}` };
    await waitFor('the dish service to be ready', async () => ((await request(svc.url, 'GET', '/readyz')).status === 200 ? true : undefined), 15_000);
    for (const id of DISHES) {
      const res = await request(svc.url, 'POST', '/api/dishes', { json: { id, name: id, category: '点心', price: 900, stock: 1_000_000 }, headers: auth });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }

    // Clients that watch the log live through the outage and must end with every event once, in order, without a
    // new snapshot (the log survived, so resuming works). The gateways' clients join this list the same way.
    watchers.push(watchEvents('polling', { transport: 'poll', url: svc.url, intervalMs: 250, backoff: { initialMs: 250, maxMs: 2000 } }));
    await waitFor('the watchers to take their snapshots', () => (watchers.every((w) => w.startId !== undefined) ? true : undefined), 15_000);

    const client = new OrderClient(svc.url, TOKEN, pick, 'outage');
    let posting = true;
    // About ten orders a second for the whole test, as a till would send them; the pause paces, it synchronizes nothing.
    const poster = (async () => {
      while (posting) {
        await client.post();
        await sleep(100);
      }
    })();
    const acceptedCount = () => [...client.orders.values()].filter(accepted).length;
    await waitFor('20 orders accepted before the outage', () => (acceptedCount() >= 20 ? true : undefined), 30_000);
    // A burst right before the stop, so orders are still queued (or mid-job) when Redis goes.
    const burst = Promise.all(Array.from({ length: 150 }, () => client.post()));
    const queueWatch = new Redis(redis.url);
    // Held from the moment at least ten orders the client saw accepted (202) still wait in the queue: a job counted
    // in the queue alone may not have had its 202 yet (its answer waits behind writes on the service's connection),
    // and on a quiet machine the one worker slot drains the queue before SIGTERM takes Redis down. Held writes fail
    // with the stop, as in any; those orders are refused (503) and retried after it.
    const waitingKey = `${PREFIX}bull:dish-orders:wait`;
    const acceptedWaiting = async () => {
      const waiting = new Set(await queueWatch.lrange(waitingKey, 0, -1));
      return [...client.orders.values()].filter((o) => accepted(o) && waiting.has(jobIdFor(o.orderId))).length;
    };
    const backlog = await waitFor('ten accepted orders waiting in the queue', async () => {
      if ((await acceptedWaiting()) < 10) return undefined;
      await queueWatch.call('CLIENT', 'PAUSE', '30000', 'WRITE');
      // Counted again once held: the worker may have taken a job between the count and the pause.
      return await acceptedWaiting();
    }, 15_000, () => ({ accepted: acceptedCount() })).finally(() => queueWatch.disconnect());
    expect(backlog, 'accepted orders still queued when Redis stops').toBeGreaterThan(0);

    const outageStart = Date.now();
    await redis.stop();
    figures.faultsInjected = 1;
    await burst;
    const readyDown = await waitFor('/readyz to answer 503 once Redis is gone', async () => {
      const res = await request(svc.url, 'GET', '/readyz');
      return res.status === 503 ? res : undefined;
    }, 15_000);
    expect(readyDown.headers.get('retry-after')).toMatch(/^\d+$/);

    // The outage itself: 10 s of real time, by design. Meanwhile every probe is answered, none hangs.
    const probes: { path: string; status: number; retryAfter: string | null; ms: number }[] = [];
    while (Date.now() - outageStart < OUTAGE_MS) {
      for (const path of ['/readyz', '/healthz', '/api/snapshot', '/api/dishes/outage-bao']) {
        const started = Date.now();
        const res = await request(svc.url, 'GET', path, { timeoutMs: 5000 });
        probes.push({ path, status: res.status, retryAfter: res.headers.get('retry-after'), ms: Date.now() - started });
      }
      await sleep(500);
    }
    const restartedAt = Date.now();
    await redis.start();
    await waitFor('/readyz to answer 200 after Redis returns', async () => ((await request(svc.url, 'GET', '/readyz')).status === 200 ? true : undefined), 30_000);
    await waitFor('an order accepted after the outage', () =>
      [...client.orders.values()].some((o) => o.attempts.some((a) => a.at > restartedAt && a.status === 202)) ? true : undefined, 30_000);
    posting = false;
    await poster;

    for (const p of probes) {
      if (p.path === '/healthz') expect(p.status, 'healthz during the outage').toBe(200);
      else {
        expect(p.status, `${p.path} during the outage`).toBe(503);
        expect(p.retryAfter, `${p.path} Retry-After`).toMatch(/^\d+$/);
      }
      expect(p.ms, `${p.path} answered fast`).toBeLessThan(2000);
    }
    const attempts = [...client.orders.values()].flatMap((o) => o.attempts);
    const duringOutage = attempts.filter((a) => a.at > outageStart + 1000 && a.at < restartedAt);
    expect(duringOutage.length, 'orders posted during the outage').toBeGreaterThan(0);
    for (const a of duringOutage) {
      expect(a.status, 'an order posted while Redis is away').toBe(503);
      expect(a.retryAfter).toMatch(/^\d+$/);
    }
    // Undesigned 5xx: anything but a 503 that says when to retry.
    const fiveXx = attempts.filter((a) => a.status >= 500 && !(a.status === 503 && a.retryAfter !== null)).length
      + probes.filter((p) => p.status >= 500 && !(p.status === 503 && p.retryAfter !== null)).length;
    figures.fiveXxSeen = fiveXx;
    expect(fiveXx).toBe(0);

    // A client retries what was refused, under the same order id; then every order must have exactly one outcome.
    const retried = await client.retryUnaccepted();
    const orders = [...client.orders.values()];
    const results = await outcomes(svc.url, orders.map((o) => o.orderId));

    inspector = new Redis(redis.url);
    const log = new EventLog(inspector, { prefix: PREFIX });
    const events = await readAllEvents(log);
    const breaks = chainBreaks(events);
    const verdict = judgeOrders(orders, results, soldEventsByOrder(events));
    Object.assign(figures, { eventsWritten: events.length, eventsLost: verdict.lost + breaks.length, duplicates: verdict.duplicates });
    expect(breaks, 'every event follows the one before it (prev chain)').toEqual([]);
    expect(verdict.problems).toEqual([]);
    expect(verdict.applied).toBe(orders.length);

    // State agrees with the log: what each dish has sold is what the log says was sold of it. The simulator keeps
    // selling, so dishes and log id come from one atomic snapshot and the log is summed up to that id (reading the
    // state after the log once saw three more sold than the log read a moment before).
    const snapshot = await log.snapshot();
    const soldInLog = soldQtyByDish((await readAllEvents(log)).filter((e) => compareStreamIds(e.id, snapshot.id) <= 0));
    for (const id of DISHES) {
      const current = snapshot.dishes.find((d) => d.id === id);
      expect(current?.sold, `${id}: sold in state vs log`).toBe(soldInLog.get(id) ?? 0);
    }
    // Orders accepted before the outage and applied after it: they waited in the queue across it.
    const queuedAcross = orders.filter((o) => {
      const result = results.get(o.orderId);
      const firstAccepted = o.attempts.find((a) => a.status === 202);
      return firstAccepted !== undefined && firstAccepted.at < outageStart && result !== undefined && result.at > restartedAt;
    }).length;
    expect(queuedAcross, 'orders accepted before the outage and applied after it').toBeGreaterThan(0);
    // The simulator went on after the outage without anyone restarting it.
    const lastSimEvent = await waitFor('a simulator event after the outage', async () => {
      const recent = (await readAllEvents(log)).filter((e) => e.ts > restartedAt && (e.type !== 'dish.sold' || e.data.orderId.startsWith('sim-')));
      return recent.length > 0 ? recent.at(-1) : undefined;
    }, 15_000);
    expect(lastSimEvent.ts).toBeGreaterThan(restartedAt);

    expect(svc.alive(), `the dish service kept running:\n${svc.output().slice(-2000)}`).toBe(true);
    expect((await request(svc.url, 'GET', '/healthz')).status).toBe(200);
    const finalEvents = await readAllEvents(log);
    expect(chainBreaks(finalEvents)).toEqual([]);
    figures.eventsWritten = finalEvents.length;
    const deliveries = [];
    for (const watcher of watchers) {
      await caughtUp(watcher, finalEvents.at(-1)!.id);
      const delivery = judgeDelivery(watcher, finalEvents);
      deliveries.push({ name: watcher.name, ...delivery, snapshots: watcher.snapshots, dropped: watcher.client.stats().duplicates });
      figures.eventsLost = (figures.eventsLost ?? 0) + delivery.lost;
      figures.duplicates = (figures.duplicates ?? 0) + delivery.duplicates;
      expect(delivery, watcher.name).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 0, unknown: 0 });
      expect(delivery.expected, `${watcher.name} saw the outage's traffic`).toBeGreaterThan(verdict.applied);
      expect(watcher.snapshots, `${watcher.name} resumed instead of starting over`).toBe(1);
    }
    expect(await svc.stop()).toEqual({ code: 0, signal: null });
    console.log(
      `[redis-outage] orders ${orders.length} (applied ${verdict.applied}), refused during the outage ${duringOutage.length}, ` +
        `retried ${retried}, clients ${JSON.stringify(deliveries)}, backlog at the stop ${backlog}, queued across the outage ${queuedAcross}, events ${finalEvents.length}, statuses ${JSON.stringify(client.statusCounts())}`,
    );
  }, 150_000);
});
