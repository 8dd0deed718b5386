// The in-memory view a snapshot is cut from: dishes, sales history and the id of the last event applied.
import type { Dish, DishEvent, SalesBucket, SalesHistory, Snapshot } from '@dish-live/protocol';

export class View {
  readonly #dishes = new Map<string, Dish>();
  readonly #buckets = new Map<number, SalesBucket>();
  readonly bucketMs: number;
  #last: string;

  constructor(
    snapshot: Snapshot,
    private readonly retentionMs: number,
  ) {
    for (const dish of snapshot.dishes) this.#dishes.set(dish.id, dish);
    this.bucketMs = snapshot.sales.bucketMs;
    for (const bucket of snapshot.sales.buckets) this.#buckets.set(bucket.t, bucket);
    this.#last = snapshot.id;
  }

  get last(): string {
    return this.#last;
  }

  get dishCount(): number {
    return this.#dishes.size;
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
        this.#addSale(event.ts, event.data.dish.category, event.data.qty);
        break;
      case 'dish.deleted':
        this.#dishes.delete(event.data.id);
        break;
      default:
        break;
    }
  }

  /** Dishes (only those of `categories` when given, sorted by id) and the sales history, as of `last`. */
  snapshot(categories?: ReadonlySet<string>): Snapshot {
    const dishes: Dish[] = [];
    for (const dish of this.#dishes.values()) if (!categories || categories.has(dish.category)) dishes.push(dish);
    dishes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const buckets = [...this.#buckets.values()].sort((a, b) => a.t - b.t);
    return { id: this.#last, dishes, sales: { bucketMs: this.bucketMs, buckets } satisfies SalesHistory };
  }

  // Same bucketing as apply-order.lua, so the view agrees with what a fresh read from Redis would say.
  #addSale(ts: number, category: string, qty: number): void {
    const t = Math.floor(ts / this.bucketMs) * this.bucketMs;
    let bucket = this.#buckets.get(t);
    if (!bucket) {
      bucket = { t, total: 0, byCategory: {} };
      this.#buckets.set(t, bucket);
      const oldest = ts - this.retentionMs;
      for (const key of this.#buckets.keys()) if (key < oldest) this.#buckets.delete(key);
    }
    bucket.total += qty;
    bucket.byCategory[category] = (bucket.byCategory[category] ?? 0) + qty;
  }
}
