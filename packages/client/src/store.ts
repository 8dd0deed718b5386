// The dashboard's state as the client keeps it: dishes by id, sales history and the last id, advanced by snapshot, event and state.
import {
  compareStreamIds,
  type ChatMessageEvent,
  type Dish,
  type DishEvent,
  type SalesHistory,
  type Snapshot,
  type StateMessage,
} from '@dish-live/protocol';

export type ApplyResult = 'applied' | 'duplicate';

/** Buckets kept when a snapshot sends fewer (a young log): the history then grows to this before it slides. */
export const MIN_SALES_WINDOW = 60;

export class DishStore {
  readonly dishes = new Map<string, Dish>();
  sales: SalesHistory | undefined;
  /** The newest id this state includes; what a reconnect sends as `since`. */
  lastId: string | undefined;
  /** Bumped on every change, so a view can tell cheaply whether to redraw. */
  revision = 0;
  /** As many sales buckets as the snapshot chose to send, so the line chart's span stays what the server meant. */
  #window = MIN_SALES_WINDOW;

  constructor(since?: string) {
    this.lastId = since;
  }

  /** True when `id` is already included: at or before the last id. */
  includes(id: string): boolean {
    return this.lastId !== undefined && compareStreamIds(id, this.lastId) <= 0;
  }

  applySnapshot(snapshot: Pick<Snapshot, 'id' | 'dishes'> & { sales?: SalesHistory }): void {
    this.dishes.clear();
    for (const dish of snapshot.dishes) this.dishes.set(dish.id, dish);
    this.sales = snapshot.sales ? { bucketMs: snapshot.sales.bucketMs, buckets: snapshot.sales.buckets.map(copyBucket) } : undefined;
    this.#window = Math.max(snapshot.sales?.buckets.length ?? 0, MIN_SALES_WINDOW);
    this.lastId = snapshot.id;
    this.revision++;
  }

  applyEvent(event: DishEvent): ApplyResult {
    if (this.includes(event.id)) return 'duplicate';
    switch (event.type) {
      case 'dish.created':
      case 'dish.updated':
        this.dishes.set(event.data.dish.id, event.data.dish);
        break;
      case 'dish.sold':
        this.dishes.set(event.data.dish.id, event.data.dish);
        this.#addSale(event.ts, event.data.dish.category, event.data.qty);
        break;
      case 'dish.deleted':
        this.dishes.delete(event.data.id);
        break;
      case 'chat.message':
        break;
    }
    this.lastId = event.id;
    this.revision++;
    return 'applied';
  }

  /**
   * Applies a conflated state and returns the chat events it carries that are new here, in order.
   * Sales it stands for are counted from the `sold` difference, at `now`, since the events' own times are gone.
   */
  applyState(state: StateMessage, now = Date.now()): { result: ApplyResult; chat: ChatMessageEvent[] } {
    if (this.includes(state.id)) return { result: 'duplicate', chat: [] };
    const chat = state.chat.filter((event) => !this.includes(event.id));
    for (const dish of state.dishes) {
      if ('deleted' in dish) {
        this.dishes.delete(dish.id);
        continue;
      }
      const before = this.dishes.get(dish.id);
      if (before && dish.sold > before.sold) this.#addSale(now, dish.category, dish.sold - before.sold);
      this.dishes.set(dish.id, dish);
    }
    this.lastId = state.id;
    this.revision++;
    return { result: 'applied', chat };
  }

  list(): Dish[] {
    return [...this.dishes.values()];
  }

  #addSale(ts: number, category: string, qty: number): void {
    const sales = this.sales;
    if (!sales) return;
    const t = Math.floor(ts / sales.bucketMs) * sales.bucketMs;
    let bucket = sales.buckets.at(-1);
    if (!bucket || bucket.t < t) {
      bucket = { t, total: 0, byCategory: {} };
      sales.buckets.push(bucket);
      while (sales.buckets.length > this.#window) sales.buckets.shift();
    } else if (bucket.t > t) {
      // A late sale for an older bucket still counts where it belongs, if that bucket is kept.
      bucket = sales.buckets.find((b) => b.t === t);
      if (!bucket) return;
    }
    bucket.total += qty;
    bucket.byCategory[category] = (bucket.byCategory[category] ?? 0) + qty;
  }

}

function copyBucket(bucket: SalesHistory['buckets'][number]): SalesHistory['buckets'][number] {
  return { t: bucket.t, total: bucket.total, byCategory: { ...bucket.byCategory } };
}
