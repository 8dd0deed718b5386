// The in-memory view a snapshot is cut from: dishes, the sales of the snapshot window, recent chat and the last id.
import { compareStreamIds, LIMITS, SalesBuckets, type ChatMessageEvent, type Dish, type DishEvent, type Snapshot } from '@dish-live/protocol';
import type { DishMark, Undo } from './rollback.js';

/** Estimated bytes of one dish (object, strings, map entry), one chat event, one sales bucket, as held in a view. */
const VIEW_DISH_BYTES = 400;
const VIEW_CHAT_BYTES = 400;
const VIEW_BUCKET_BYTES = 200;
/**
 * Before-images kept for rollbacks (deletes and category moves only: the rest is derived from the event), oldest
 * dropped first. Deletes and category moves are menu edits, rare beside sales: this covers far more than the ring.
 */
const UNDO_CAP = 4096;
const UNDO_BYTES = 120;

/**
 * Everything it holds is bounded by the menu, the window and the chat cap: a gateway that has run for a day holds
 * and sends no more than one that started a minute ago.
 */
export class View {
  readonly #dishes = new Map<string, Dish>();
  readonly #sales: SalesBuckets;
  readonly #chat: ChatMessageEvent[];
  #last: string;
  /** What a delete or a category move replaced, by event id: the one thing its event does not say. */
  readonly #undo = new Map<string, DishMark>();
  /** Every event after this id was applied here with its before-image kept (the load's id, later the oldest dropped). */
  #undoFrom: string;

  constructor(
    snapshot: Snapshot,
    private readonly windowMs: number,
  ) {
    for (const dish of snapshot.dishes) this.#dishes.set(dish.id, dish);
    this.#sales = new SalesBuckets(snapshot.sales, Date.now(), windowMs);
    this.#chat = snapshot.chat.slice(-LIMITS.recentChat);
    this.#last = snapshot.id;
    this.#undoFrom = snapshot.id;
  }

  /** The dishes as of `last` (each event replaces a dish whole: these objects are never changed). */
  get dishes(): ReadonlyMap<string, Dish> {
    return this.#dishes;
  }

  get last(): string {
    return this.#last;
  }

  get bucketMs(): number {
    return this.#sales.bucketMs;
  }

  get dishCount(): number {
    return this.#dishes.size;
  }

  /**
   * A rough size of what the view holds, for the gateway's memory budget: exactness does not matter, growth with the
   * menu, the chat and the sales window does.
   */
  get estimatedBytes(): number {
    return (
      this.#dishes.size * VIEW_DISH_BYTES + this.#chat.length * VIEW_CHAT_BYTES + this.#sales.buckets.length * VIEW_BUCKET_BYTES +
      this.#undo.size * UNDO_BYTES
    );
  }

  /**
   * What the dish an event changed was before it: absent (null), or its version and category (undefined category:
   * not known, which only a filter cares about); undefined when this view cannot tell (a delete it did not apply).
   */
  readonly undo: Undo = (event) => {
    switch (event.type) {
      case 'chat.message':
        return undefined;
      case 'dish.created':
        return null;
      case 'dish.sold':
        return { version: event.data.dish.version - 1, category: event.data.dish.category };
      case 'dish.updated': {
        const seen = compareStreamIds(event.id, this.#undoFrom) > 0;
        const moved = this.#undo.get(event.id);
        const category = moved?.category ?? event.data.previousCategory ?? (seen ? event.data.dish.category : undefined);
        return { version: event.data.dish.version - 1, category };
      }
      case 'dish.deleted':
        return this.#undo.get(event.id);
    }
  };

  apply(event: DishEvent): void {
    this.#last = event.id;
    switch (event.type) {
      case 'dish.created':
        this.#dishes.set(event.data.dish.id, event.data.dish);
        break;
      case 'dish.updated': {
        const before = this.#dishes.get(event.data.dish.id);
        if (before && before.category !== event.data.dish.category) this.#keepUndo(event.id, before);
        this.#dishes.set(event.data.dish.id, event.data.dish);
        break;
      }
      case 'dish.sold':
        this.#dishes.set(event.data.dish.id, event.data.dish);
        this.#sales.add(event.ts, event.data.dish.category, event.data.qty);
        break;
      case 'dish.deleted': {
        const before = this.#dishes.get(event.data.id);
        if (before) this.#keepUndo(event.id, before);
        this.#dishes.delete(event.data.id);
        break;
      }
      case 'chat.message':
        this.#chat.push(event);
        if (this.#chat.length > LIMITS.recentChat) this.#chat.shift();
        break;
    }
  }

  #keepUndo(id: string, before: Dish): void {
    this.#undo.set(id, { version: before.version, category: before.category });
    if (this.#undo.size <= UNDO_CAP) return;
    const [oldest] = this.#undo.keys();
    this.#undo.delete(oldest!);
    this.#undoFrom = oldest!;
  }

  /** Dishes (only those of `categories` when given, sorted by id), the window's sales and recent chat, as of `last`. */
  snapshot(categories?: ReadonlySet<string>, now = Date.now()): Snapshot {
    const dishes: Dish[] = [];
    for (const dish of this.#dishes.values()) if (!categories || categories.has(dish.category)) dishes.push(dish);
    dishes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const oldest = now - this.windowMs;
    const buckets = this.#sales.buckets.filter((b) => b.t >= oldest);
    return { id: this.#last, dishes, sales: { bucketMs: this.bucketMs, buckets }, chat: [...this.#chat] };
  }
}
