// The in-memory view a snapshot is cut from: dishes, the sales of the snapshot window, recent chat and the last id.
import { LIMITS, SalesBuckets, type ChatMessageEvent, type Dish, type DishEvent, type Snapshot } from '@dish-live/protocol';

/** Estimated bytes of one dish (object, strings, map entry), one chat event, one sales bucket, as held in a view. */
const VIEW_DISH_BYTES = 400;
const VIEW_CHAT_BYTES = 400;
const VIEW_BUCKET_BYTES = 200;

/**
 * Everything it holds is bounded by the menu, the window and the chat cap: a gateway that has run for a day holds
 * and sends no more than one that started a minute ago.
 */
export class View {
  readonly #dishes = new Map<string, Dish>();
  readonly #sales: SalesBuckets;
  readonly #chat: ChatMessageEvent[];
  #last: string;

  constructor(
    snapshot: Snapshot,
    private readonly windowMs: number,
  ) {
    for (const dish of snapshot.dishes) this.#dishes.set(dish.id, dish);
    this.#sales = new SalesBuckets(snapshot.sales, Date.now(), windowMs);
    this.#chat = snapshot.chat.slice(-LIMITS.recentChat);
    this.#last = snapshot.id;
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
    return this.#dishes.size * VIEW_DISH_BYTES + this.#chat.length * VIEW_CHAT_BYTES + this.#sales.buckets.length * VIEW_BUCKET_BYTES;
  }

  apply(event: DishEvent): void {
    this.#last = event.id;
    switch (event.type) {
      case 'dish.created':
      case 'dish.updated':
        this.#dishes.set(event.data.dish.id, event.data.dish);
        break;
      case 'dish.sold':
        this.#dishes.set(event.data.dish.id, event.data.dish);
        this.#sales.add(event.ts, event.data.dish.category, event.data.qty);
        break;
      case 'dish.deleted':
        this.#dishes.delete(event.data.id);
        break;
      case 'chat.message':
        this.#chat.push(event);
        if (this.#chat.length > LIMITS.recentChat) this.#chat.shift();
        break;
    }
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
