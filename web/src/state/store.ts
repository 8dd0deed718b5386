// The dashboard's state as plain data: dishes, sales buckets, chat and the last id, plus what changed since the last frame.
import { compareStreamIds, ZERO_ID } from '@dish-live/client';
import type { ChatMessageEvent, Dish, DishEvent, SalesHistory, StateMessage } from '@dish-live/protocol';

export interface SalesPoint {
  total: number;
  byCategory: Record<string, number>;
}

export interface ChatEntry {
  id: string;
  author: string;
  text: string;
  ts: number;
}

export type DishField = 'name' | 'category' | 'price' | 'stock' | 'sold';
const DISH_FIELDS: readonly DishField[] = ['name', 'category', 'price', 'stock', 'sold'];

/** What one frame has to redraw: collected while events arrive, handed over (and reset) once per frame. */
export interface Changes {
  /** Dishes whose values changed, with the fields that changed (for flashing cells). */
  dishes: Map<string, Set<DishField>>;
  /** A dish was added or removed, or a snapshot replaced everything: axes and rows change shape. */
  structure: boolean;
  sales: boolean;
  chat: boolean;
  /** `ts` of every event applied since the last frame (for a conflated state, each dish's updatedAt), for latency. */
  eventTs: number[];
  /** Events applied since the last frame (a conflated `state` counts as the dishes it carries). */
  eventCount: number;
}

export interface SnapshotInput {
  id: string;
  dishes: Dish[];
  sales: SalesHistory;
  /** The most recent chat, oldest first: what a reload shows before anyone writes again. */
  chat: readonly ChatMessageEvent[];
}

const CHAT_KEEP = 200;
const MAX_TS_SAMPLES = 4096;

/** Sales history kept: the longest window the line chart offers (what a snapshot carries), sliding with the clock. */
export const SALES_KEEP_MS = 3_600_000;

export class DashboardStore {
  readonly dishes = new Map<string, Dish>();
  readonly sales = new Map<number, SalesPoint>();
  bucketMs = 10_000;
  /**
   * From when sales are known: the oldest bucket a snapshot carried, or the snapshot itself when it carried none.
   * Before it the line chart shows nothing rather than zeros: no data is not the same as no sales.
   */
  salesKnownFrom: number | undefined;
  chat: ChatEntry[] = [];
  lastId = ZERO_ID;
  /** Incremented on every change, so cheap readers can tell whether to look again. */
  version = 0;
  #changes: Changes = emptyChanges();

  applySnapshot(snapshot: SnapshotInput, now = Date.now()): void {
    const before = new Map(this.dishes);
    this.dishes.clear();
    for (const dish of snapshot.dishes) {
      this.dishes.set(dish.id, dish);
      const old = before.get(dish.id);
      if (old) this.#markDiff(old, dish);
    }
    this.sales.clear();
    this.bucketMs = snapshot.sales.bucketMs;
    for (const b of snapshot.sales.buckets) this.sales.set(b.t, { total: b.total, byCategory: { ...b.byCategory } });
    const oldest = snapshot.sales.buckets[0]?.t;
    const current = now - (now % this.bucketMs);
    this.salesKnownFrom = oldest !== undefined ? Math.min(oldest, current) : current;
    this.#trimSales(now);
    // The snapshot's chat is the most recent there is; messages this page saw that it no longer carries are older.
    if (snapshot.chat.length > 0 || this.chat.length === 0) {
      this.chat = snapshot.chat.map((e) => ({ id: e.id, author: e.data.author, text: e.data.text, ts: e.ts }));
      this.#changes.chat = true;
    }
    this.lastId = snapshot.id;
    this.#changes.structure = true;
    this.#changes.sales = true;
    this.version++;
  }

  /** Applies one event; an event at or before the last id (a replay overlapping what we have) is ignored. */
  applyEvent(event: DishEvent): boolean {
    if (this.lastId !== ZERO_ID && compareStreamIds(event.id, this.lastId) <= 0) return false;
    this.lastId = event.id;
    this.#sampleTs(event.ts);
    this.#changes.eventCount++;
    switch (event.type) {
      case 'dish.created':
      case 'dish.updated':
        this.#putDish(event.data.dish);
        break;
      case 'dish.sold':
        // The bucket is the one the server counted the sale in: the event's ts, floored to the bucket width.
        this.#addSale(event.ts, event.data.dish.category, event.data.qty);
        this.#putDish(event.data.dish);
        break;
      case 'dish.deleted':
        if (this.dishes.delete(event.data.id)) this.#changes.structure = true;
        break;
      case 'chat.message':
        this.#addChat({ id: event.id, author: event.data.author, text: event.data.text, ts: event.ts });
        break;
    }
    this.version++;
    return true;
  }

  /** Conflated delivery: the latest state of each changed dish. Sales are inferred from the growth of `sold`. */
  applyState(message: StateMessage, now = Date.now()): void {
    if (this.lastId !== ZERO_ID && compareStreamIds(message.id, this.lastId) <= 0) return;
    for (const chat of message.chat) {
      this.#addChat({ id: chat.id, author: chat.data.author, text: chat.data.text, ts: chat.ts });
      this.#sampleTs(chat.ts);
    }
    for (const entry of message.dishes) {
      this.#changes.eventCount++;
      if ('deleted' in entry) {
        if (this.dishes.delete(entry.id)) this.#changes.structure = true;
        continue;
      }
      const old = this.dishes.get(entry.id);
      if (old && entry.sold > old.sold) this.#addSale(now, entry.category, entry.sold - old.sold);
      // A dish's updatedAt is the ts of the newest event it includes: the latency of what this state delivers.
      if (!old || entry.version !== old.version) this.#sampleTs(entry.updatedAt);
      this.#putDish(entry);
    }
    this.lastId = message.id;
    this.version++;
  }

  /** Hands over what changed since the last call and starts collecting afresh. */
  takeChanges(): Changes {
    const changes = this.#changes;
    this.#changes = emptyChanges();
    return changes;
  }

  /**
   * Dishes in a stable order (category, then name, then id), the order rows keep. Plain string order, not
   * localeCompare: every browser, in every language, lists the same dishes the same way.
   */
  orderedDishes(): Dish[] {
    return [...this.dishes.values()].sort(byCategoryThenName);
  }

  /** Every category on the menu or in the sales history, in plain string order (the same in every locale). */
  categories(): string[] {
    const set = new Set<string>();
    for (const d of this.dishes.values()) set.add(d.category);
    for (const point of this.sales.values()) for (const c of Object.keys(point.byCategory)) set.add(c);
    return [...set].sort(byCodePoint);
  }

  #putDish(dish: Dish): void {
    const old = this.dishes.get(dish.id);
    this.dishes.set(dish.id, dish);
    if (!old) {
      this.#changes.structure = true;
      return;
    }
    if (old.name !== dish.name || old.category !== dish.category) this.#changes.structure = true;
    this.#markDiff(old, dish);
  }

  /** Bounded: with no frames (a hidden tab) the samples would otherwise grow with every event. */
  #sampleTs(ts: number): void {
    const samples = this.#changes.eventTs;
    if (samples.length < MAX_TS_SAMPLES) samples.push(ts);
    else samples[this.#changes.eventCount % MAX_TS_SAMPLES] = ts;
  }

  #markDiff(old: Dish, dish: Dish): void {
    let fields = this.#changes.dishes.get(dish.id);
    for (const f of DISH_FIELDS) {
      if (old[f] === dish[f]) continue;
      if (!fields) this.#changes.dishes.set(dish.id, (fields = new Set()));
      fields.add(f);
    }
  }

  #addSale(ts: number, category: string, qty: number): void {
    const t = ts - (ts % this.bucketMs);
    let point = this.sales.get(t);
    if (!point) {
      this.sales.set(t, (point = { total: 0, byCategory: {} }));
      this.#trimSales(t);
    }
    point.total += qty;
    point.byCategory[category] = (point.byCategory[category] ?? 0) + qty;
    this.#changes.sales = true;
  }

  /** Drops buckets older than SALES_KEEP_MS before `now`: a page left open for days keeps one window, not days. */
  #trimSales(now: number): void {
    const oldest = now - SALES_KEEP_MS;
    for (const t of this.sales.keys()) if (t < oldest) this.sales.delete(t);
    if (this.salesKnownFrom !== undefined && this.salesKnownFrom < oldest) this.salesKnownFrom = oldest - (oldest % this.bucketMs);
  }

  #addChat(entry: ChatEntry): void {
    this.chat.push(entry);
    if (this.chat.length > CHAT_KEEP) this.chat.splice(0, this.chat.length - CHAT_KEEP);
    this.#changes.chat = true;
  }
}

/** Folds `next` into `into`, for a listener that redraws less often than every frame and must not lose a change. */
export function mergeChanges(into: Changes, next: Changes): Changes {
  for (const [id, fields] of next.dishes) {
    const have = into.dishes.get(id);
    if (have) for (const f of fields) have.add(f);
    else into.dishes.set(id, new Set(fields));
  }
  into.structure ||= next.structure;
  into.sales ||= next.sales;
  into.chat ||= next.chat;
  // Latency is measured by the dashboard per frame, not per listener: samples are not carried over.
  into.eventCount += next.eventCount;
  return into;
}

export function emptyChanges(): Changes {
  return { dishes: new Map(), structure: false, sales: false, chat: false, eventTs: [], eventCount: 0 };
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byCategoryThenName(a: Dish, b: Dish): number {
  return byCodePoint(a.category, b.category) || byCodePoint(a.name, b.name) || byCodePoint(a.id, b.id);
}
