// What a DishStore changed since it was last asked: which dishes, sales buckets and chat, so a view redraws only that.
import type { ChatMessageEvent, Dish } from '@dish-live/protocol';

export type DishField = 'name' | 'category' | 'price' | 'stock' | 'sold';
const DISH_FIELDS: readonly DishField[] = ['name', 'category', 'price', 'stock', 'sold'];

export interface ChangeRecord {
  /** A snapshot replaced the state: sales and chat are new as a whole (its dishes are reported one by one, as below). */
  reset: boolean;
  added: Set<string>;
  removed: Set<string>;
  /** Dishes that were there before and after, with the fields whose values changed (the cells that flash). */
  dishes: Map<string, Set<DishField>>;
  /** Starts of the sales buckets whose counts changed. */
  sales: Set<number>;
  /** Chat messages added, oldest first (after a reset, the snapshot's), at most the store's chat limit. */
  chat: ChatMessageEvent[];
  /** `ts` of the events applied (for a conflated state: each changed dish's `updatedAt`, its chat's `ts`), for latency. */
  eventTs: number[];
  /** Events applied; a conflated state counts as the dishes it carries. */
  eventCount: number;
}

/** Latency samples kept between two takes: with no taker for a while (a hidden tab) they would grow with every event. */
const MAX_TS_SAMPLES = 4096;

export function emptyChanges(): ChangeRecord {
  return { reset: false, added: new Set(), removed: new Set(), dishes: new Map(), sales: new Set(), chat: [], eventTs: [], eventCount: 0 };
}

export function hasChanges(c: ChangeRecord): boolean {
  return c.reset || c.added.size > 0 || c.removed.size > 0 || c.dishes.size > 0 || c.sales.size > 0 || c.chat.length > 0;
}

/** Rows and series change shape: a snapshot, a dish added or removed, or one renamed or moved to another category. */
export function reshaped(c: ChangeRecord): boolean {
  if (c.reset || c.added.size > 0 || c.removed.size > 0) return true;
  for (const fields of c.dishes.values()) if (fields.has('name') || fields.has('category')) return true;
  return false;
}

/** Folds `next` into `into`, for a view that redraws less often than changes are taken and must not lose one. */
export function mergeChanges(into: ChangeRecord, next: ChangeRecord): ChangeRecord {
  into.reset ||= next.reset;
  for (const id of next.added) into.added.add(id);
  for (const id of next.removed) into.removed.add(id);
  for (const [id, fields] of next.dishes) {
    const have = into.dishes.get(id);
    if (have) for (const f of fields) have.add(f);
    else into.dishes.set(id, new Set(fields));
  }
  for (const t of next.sales) into.sales.add(t);
  into.chat = next.reset ? [...next.chat] : [...into.chat, ...next.chat];
  // Latency is measured where the changes are taken, once: samples are not carried over.
  into.eventCount += next.eventCount;
  return into;
}

/** Collects one ChangeRecord as the store applies messages, and hands it over on take(). */
export class ChangeRecorder {
  #record = emptyChanges();

  constructor(private readonly chatLimit: number) {}

  take(): ChangeRecord {
    const record = this.#record;
    this.#record = emptyChanges();
    return record;
  }

  /** A snapshot replaced `before` with `after` and the chat with `chat`. */
  reset(before: ReadonlyMap<string, Dish>, after: ReadonlyMap<string, Dish>, chat: readonly ChatMessageEvent[]): void {
    this.#record.reset = true;
    for (const dish of after.values()) this.dish(before.get(dish.id), dish);
    for (const id of before.keys()) if (!after.has(id)) this.#record.removed.add(id);
    this.#record.chat = chat.slice(-this.chatLimit);
  }

  /** `dish` replaced `old`, or was added when there was none. */
  dish(old: Dish | undefined, dish: Dish): void {
    if (!old) {
      this.#record.added.add(dish.id);
      return;
    }
    let fields = this.#record.dishes.get(dish.id);
    for (const f of DISH_FIELDS) {
      if (old[f] === dish[f]) continue;
      if (!fields) this.#record.dishes.set(dish.id, (fields = new Set()));
      fields.add(f);
    }
  }

  removed(id: string): void {
    this.#record.removed.add(id);
  }

  sale(t: number): void {
    this.#record.sales.add(t);
  }

  chat(event: ChatMessageEvent): void {
    const chat = this.#record.chat;
    chat.push(event);
    if (chat.length > this.chatLimit) chat.splice(0, chat.length - this.chatLimit);
  }

  /** One event applied; `ts`, when given, is a latency sample. */
  event(ts?: number): void {
    if (ts !== undefined) this.sample(ts);
    this.#record.eventCount++;
  }

  sample(ts: number): void {
    const samples = this.#record.eventTs;
    if (samples.length < MAX_TS_SAMPLES) samples.push(ts);
    else samples[this.#record.eventCount % MAX_TS_SAMPLES] = ts;
  }
}
