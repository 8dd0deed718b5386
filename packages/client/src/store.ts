// The dashboard's state as the client keeps it: dishes by id, sales history and the last id, advanced by snapshot, event and state.
import type { ChatMessageEvent, Dish, DishEvent, SalesHistory, Snapshot, StateMessage } from '@dish-live/protocol';
import { compareStreamIds, LIMITS } from '@dish-live/protocol/wire';
import { SalesBuckets } from './sales-buckets.js';

export type ApplyResult = 'applied' | 'duplicate';

export class DishStore {
  readonly dishes = new Map<string, Dish>();
  /** Undefined until a snapshot carries sales history (a server from before it did counts none). */
  sales: SalesBuckets | undefined;
  /** The most recent chat messages, oldest first, at most LIMITS.recentChat: a snapshot's, then each new one. */
  readonly chat: ChatMessageEvent[] = [];
  /** The newest id this state includes; what a reconnect sends as `since`. */
  lastId: string | undefined;
  /** Bumped on every change, so a view can tell cheaply whether to redraw. */
  revision = 0;

  constructor(since?: string) {
    this.lastId = since;
  }

  /** True when `id` is already included: at or before the last id. */
  includes(id: string): boolean {
    return this.lastId !== undefined && compareStreamIds(id, this.lastId) <= 0;
  }

  /** `now` is when the snapshot arrived: with no sales history in it, sales are known from then. */
  applySnapshot(snapshot: Pick<Snapshot, 'id' | 'dishes'> & { sales?: SalesHistory; chat?: readonly ChatMessageEvent[] }, now = Date.now()): void {
    this.dishes.clear();
    for (const dish of snapshot.dishes) this.dishes.set(dish.id, dish);
    this.sales = snapshot.sales ? new SalesBuckets(snapshot.sales, now) : undefined;
    // The snapshot's chat is the newest there is; what this store saw before it is older or the same.
    this.chat.splice(0, this.chat.length, ...(snapshot.chat ?? []).slice(-LIMITS.recentChat));
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
        this.sales?.add(event.ts, event.data.dish.category, event.data.qty);
        break;
      case 'dish.deleted':
        this.dishes.delete(event.data.id);
        break;
      case 'chat.message':
        this.#addChat(event);
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
    for (const event of chat) this.#addChat(event);
    for (const dish of state.dishes) {
      if ('deleted' in dish) {
        this.dishes.delete(dish.id);
        continue;
      }
      const before = this.dishes.get(dish.id);
      if (before && dish.sold > before.sold) this.sales?.add(now, dish.category, dish.sold - before.sold);
      this.dishes.set(dish.id, dish);
    }
    this.lastId = state.id;
    this.revision++;
    return { result: 'applied', chat };
  }

  list(): Dish[] {
    return [...this.dishes.values()];
  }

  #addChat(event: ChatMessageEvent): void {
    this.chat.push(event);
    if (this.chat.length > LIMITS.recentChat) this.chat.splice(0, this.chat.length - LIMITS.recentChat);
  }
}
