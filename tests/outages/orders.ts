// Orders as a till sends them, for the outage tests: a JSON request that says 0 when the process is gone, an order
// client that keeps every answer, the outcome of each order, and the verdict per order against the log.
import type { OrderItem } from '@dish-live/protocol';
import { waitFor } from '@dish-live/test-support';

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
