// What the fault tests share: the dish service as a real process, a Redis that can be stopped and started again on its own
// data, an order client that keeps every answer, and counts over the event log (per order, the chain of prev ids).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnRedisServer, type RedisServerProcess } from '@dish-live/local-redis';
import type { EventLog } from '@dish-live/broker';
import { connect, type ConnectOptions, type DishClient } from '@dish-live/client';
import { compareStreamIds, ZERO_ID, type DishEvent, type OrderItem } from '@dish-live/protocol';
import { startService, waitFor, type ServiceProcess } from '@dish-live/test-support';

/** The dish service from source (`services/dish/src/main.ts`) as a real process, the menu seed and simulator off unless `env` turns them on. */
export function startDish(env: Record<string, string>): Promise<ServiceProcess> {
  // Its graceful stop drains the order worker and the HTTP server (5 s grace of its own): a longer bound before SIGKILL.
  return startService('dish', { SEED_MENU: 'false', SIM_RATE: '0', ...env }, { killAfterMs: 15_000 });
}

/**
 * A Redis of the test's own that can be stopped and started again on the same port with the same data (AOF in a
 * folder of its own): an outage and a recovery, as when Redis restarts in production.
 */
export class RestartableRedis {
  #server: RedisServerProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<RestartableRedis> {
    const redis = new RestartableRedis(await freePort(), mkdtempSync(join(tmpdir(), 'dish-live-fault-redis-')));
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#server !== undefined;
  }

  async start(): Promise<void> {
    if (this.#server) throw new Error('this Redis already runs');
    this.#server = await spawnRedisServer({ port: this.port, dir: this.dir });
  }

  /** SIGTERM: Redis writes its append-only file out and exits, as in an orderly restart. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    await server?.stop();
  }

  /** Stops it if it runs and removes its data. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** One JSON request, bounded in time; a network failure (the process is gone) resolves with status 0. */
export async function request<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  options: { json?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  try {
    const res = await fetch(new URL(path, base), {
      method,
      headers,
      body: options.json === undefined ? undefined : JSON.stringify(options.json),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.status, headers: res.headers, body: body as T };
  } catch {
    return { status: 0, headers: new Headers(), body: undefined as T };
  }
}

export interface OrderAttempt {
  status: number;
  retryAfter: string | null;
  at: number;
}

export interface TrackedOrder {
  orderId: string;
  items: OrderItem[];
  attempts: OrderAttempt[];
}

/** 202 (queued) and 200 (an outcome already) both mean the service has the order. */
export const accepted = (o: TrackedOrder) => o.attempts.some((a) => a.status === 202 || a.status === 200);

/**
 * An order client that keeps every answer for every order id, so a test can tell what was accepted, what was
 * refused (and how), and retry with the same id the way a real client does.
 */
export class OrderClient {
  readonly orders = new Map<string, TrackedOrder>();
  #next = 0;

  constructor(
    private base: string,
    private readonly token: string,
    private readonly pick: (n: number) => OrderItem[],
    private readonly idPrefix: string,
  ) {}

  /** Later requests go to another process (after a restart, or to another replica). */
  retarget(base: string): void {
    this.base = base;
  }

  /** Posts a new order. */
  post(): Promise<TrackedOrder> {
    const n = this.#next++;
    const order: TrackedOrder = { orderId: `${this.idPrefix}-${n}`, items: this.pick(n), attempts: [] };
    this.orders.set(order.orderId, order);
    return this.send(order);
  }

  /** Posts an order (again) under its own id. */
  async send(order: TrackedOrder): Promise<TrackedOrder> {
    const res = await request(this.base, 'POST', '/api/orders', {
      json: { orderId: order.orderId, items: order.items },
      headers: { authorization: `Bearer ${this.token}` },
      timeoutMs: 5000,
    });
    order.attempts.push({ status: res.status, retryAfter: res.headers.get('retry-after'), at: Date.now() });
    return order;
  }

  /** Resends every order the service has not accepted yet, until each is accepted; bounded. */
  async retryUnaccepted(timeoutMs = 30_000): Promise<number> {
    const pending = () => [...this.orders.values()].filter((o) => !accepted(o));
    let retried = 0;
    await waitFor('every order to be accepted on retry', async () => {
      const left = pending();
      for (const order of left) {
        await this.send(order);
        retried++;
      }
      return pending().length === 0 ? true : undefined;
    }, timeoutMs, () => pending().map((o) => [o.orderId, o.attempts.at(-1)]));
    return retried;
  }

  /** Every status answered, counted. */
  statusCounts(): Record<number, number> {
    const counts: Record<number, number> = {};
    for (const o of this.orders.values()) for (const a of o.attempts) counts[a.status] = (counts[a.status] ?? 0) + 1;
    return counts;
  }
}

export type OrderOutcome =
  | { orderId: string; status: 'applied'; items: OrderItem[]; events: string[]; at: number }
  | { orderId: string; status: 'rejected'; reason: string; dishId: string; at: number };

/** Waits until the service has a final outcome for each order; fails naming the orders that have none. */
export async function outcomes(base: string, orderIds: readonly string[], timeoutMs = 60_000): Promise<Map<string, OrderOutcome>> {
  const found = new Map<string, OrderOutcome>();
  await waitFor('an outcome for every order', async () => {
    for (const id of orderIds) {
      if (found.has(id)) continue;
      const res = await request<OrderOutcome>(base, 'GET', `/api/orders/${encodeURIComponent(id)}`);
      if (res.status === 200) found.set(id, res.body);
      else if (res.status !== 202 && res.status !== 503 && res.status !== 0) throw new Error(`GET /api/orders/${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    return found.size === orderIds.length ? true : undefined;
  }, timeoutMs, () => orderIds.filter((id) => !found.has(id)).slice(0, 20));
  return found;
}

/** Every event of the log from the first, read page by page. Throws if the log was trimmed (the test's window is too small). */
export async function readAllEvents(log: EventLog): Promise<DishEvent[]> {
  const events: DishEvent[] = [];
  let since = ZERO_ID;
  for (;;) {
    const page = await log.replay(since, 1000);
    if (!page.recovered) throw new Error(`the log no longer starts at ${since}: raise STREAM_MAXLEN for this test`);
    events.push(...page.events);
    since = page.last;
    if (!page.more) return events;
  }
}

/** Places where an event's `prev` is not the id before it: each is a lost (or reordered) event. */
export function chainBreaks(events: readonly DishEvent[]): { at: string; prev: string; expected: string }[] {
  const breaks: { at: string; prev: string; expected: string }[] = [];
  let expected = ZERO_ID;
  const ids = new Set<string>();
  for (const e of events) {
    if (e.prev !== expected || ids.has(e.id)) breaks.push({ at: e.id, prev: e.prev, expected });
    ids.add(e.id);
    expected = e.id;
  }
  return breaks;
}

/** dish.sold events per orderId. */
export function soldEventsByOrder(events: readonly DishEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) if (e.type === 'dish.sold') counts.set(e.data.orderId, (counts.get(e.data.orderId) ?? 0) + 1);
  return counts;
}

/** Quantities sold per dish according to the log. */
export function soldQtyByDish(events: readonly DishEvent[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const e of events) if (e.type === 'dish.sold') totals.set(e.data.dish.id, (totals.get(e.data.dish.id) ?? 0) + e.data.qty);
  return totals;
}

/**
 * The verdict per order: an order with an outcome `applied` must have exactly one dish.sold per dish it names, one
 * `rejected` none. Counts what is missing (lost) and what came twice (duplicates).
 */
export function judgeOrders(orders: readonly TrackedOrder[], outcomesById: Map<string, OrderOutcome>, sold: Map<string, number>) {
  let lost = 0;
  let duplicates = 0;
  let applied = 0;
  let rejected = 0;
  const problems: string[] = [];
  for (const order of orders) {
    const outcome = outcomesById.get(order.orderId);
    const events = sold.get(order.orderId) ?? 0;
    if (!outcome) {
      if (accepted(order)) {
        lost++;
        problems.push(`${order.orderId}: accepted, no outcome`);
      }
      if (events > 0) problems.push(`${order.orderId}: ${events} dish.sold without an outcome`);
      continue;
    }
    // One dish.sold per distinct dish: lines naming the same dish are merged into one.
    const expected = outcome.status === 'applied' ? new Set(order.items.map((i) => i.dishId)).size : 0;
    if (outcome.status === 'applied') applied++;
    else rejected++;
    if (events < expected) {
      lost += expected - events;
      problems.push(`${order.orderId}: ${outcome.status}, ${events} of ${expected} dish.sold`);
    } else if (events > expected) {
      duplicates += events - expected;
      problems.push(`${order.orderId}: ${outcome.status}, ${events} dish.sold for ${expected}`);
    }
  }
  return { lost, duplicates, applied, rejected, problems };
}

/**
 * A client of the project (`@dish-live/client`) that keeps every event it applied, to be judged against the log
 * after a fault. Any transport: polling on the dish service here; a WebSocket or SSE gateway the same way
 * (`watchEvents('ws', { ...nodeTransports(), transport: 'ws', url })`).
 */
export interface EventWatcher {
  name: string;
  client: DishClient;
  /** The id of its first snapshot: its view of the log starts after it. */
  startId: string | undefined;
  /** Events in the order it applied them. */
  received: DishEvent[];
  snapshots: number;
  close(): void;
}

export function watchEvents(name: string, options: ConnectOptions): EventWatcher {
  const client = connect(options);
  const watcher: EventWatcher = {
    name,
    client,
    startId: undefined,
    received: [],
    snapshots: 0,
    close: () => client.close(),
  };
  client.on('snapshot', (snapshot) => {
    watcher.snapshots++;
    watcher.startId ??= snapshot.id;
  });
  client.on('event', (event) => watcher.received.push(event));
  return watcher;
}

/** Waits until the watcher has applied the log up to `lastId` (or past it: the log may go on meanwhile). */
export function caughtUp(watcher: EventWatcher, lastId: string, timeoutMs = 30_000): Promise<true> {
  const reached = () => watcher.client.lastId !== undefined && compareStreamIds(watcher.client.lastId, lastId) >= 0;
  return waitFor(`${watcher.name} to reach ${lastId}`, () => (reached() ? true : undefined), timeoutMs, () => ({
    lastId: watcher.client.lastId,
    status: watcher.client.status,
  }));
}

/**
 * What a watcher got against what the log holds after its start, up to the log's last event as read (events
 * written since are left out): each event once, in log order. `lost` counts the events it never applied,
 * `duplicates` those it applied twice, `outOfOrder` those that came before an event the log has ahead of them,
 * `unknown` those the log does not hold.
 */
export function judgeDelivery(watcher: EventWatcher, log: readonly DishEvent[]) {
  const start = watcher.startId ?? ZERO_ID;
  const from = start === ZERO_ID ? 0 : log.findIndex((e) => e.id === start) + 1;
  const expected = log.slice(from).map((e) => e.id);
  const position = new Map(expected.map((id, i) => [id, i]));
  const cutoff = log.at(-1)?.id ?? ZERO_ID;
  const received = watcher.received.filter((e) => compareStreamIds(e.id, cutoff) <= 0);
  const seen = new Set<string>();
  let duplicates = 0;
  let outOfOrder = 0;
  let previous = -1;
  for (const event of received) {
    if (seen.has(event.id)) duplicates++;
    seen.add(event.id);
    const at = position.get(event.id) ?? -1;
    if (at < previous) outOfOrder++;
    previous = Math.max(previous, at);
  }
  const lost = expected.filter((id) => !seen.has(id)).length;
  const unknown = received.filter((e) => !position.has(e.id)).length;
  return { expected: expected.length, lost, duplicates, outOfOrder, unknown };
}
