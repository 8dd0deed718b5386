// The live state, applied once per message: dishes by id, sales history, recent chat and the last id, and what changed.
import type { ChatMessageEvent, Dish, DishEvent, SalesHistory, Snapshot, StateMessage } from '@dish-live/protocol';
import { compareStreamIds, LIMITS, SalesBuckets } from '@dish-live/protocol/wire';
import { ChangeRecorder, type ChangeRecord } from './change-record.js';

export type ApplyResult = 'applied' | 'duplicate';

export interface DishStoreOptions {
  /** Chat messages kept; by default as many as a snapshot carries (LIMITS.recentChat). */
  chatLimit?: number;
  /**
   * Told after each message applied, for a view that then takes what changed with takeChanges() (at its next frame,
   * say); only a store given this keeps a change record.
   */
  onChange?: () => void;
}

export class DishStore {
  readonly dishes = new Map<string, Dish>();
  /** Undefined until a snapshot carries sales history (a server from before it did counts none). */
  sales: SalesBuckets | undefined;
  /** The most recent chat messages, oldest first, at most the chat limit: a snapshot's, then each new one. */
  readonly chat: ChatMessageEvent[] = [];
  /** The newest id this state includes; what a reconnect sends as `since`. */
  lastId: string | undefined;
  /** Bumped on every change, so a view can tell cheaply whether to redraw. */
  revision = 0;
  /** The category filter the connection asks for (undefined: every dish): a dish outside it is not held. */
  categories: ReadonlySet<string> | undefined;
  readonly #chatLimit: number;
  readonly #changes: ChangeRecorder | undefined;
  readonly #onChange: (() => void) | undefined;

  constructor(since?: string, options: DishStoreOptions = {}) {
    this.lastId = since;
    this.#chatLimit = options.chatLimit ?? LIMITS.recentChat;
    this.#onChange = options.onChange;
    this.#changes = options.onChange ? new ChangeRecorder(this.#chatLimit) : undefined;
  }

  /** True when `id` is already included: at or before the last id. */
  includes(id: string): boolean {
    return this.lastId !== undefined && compareStreamIds(id, this.lastId) <= 0;
  }

  /** `now` is when the snapshot arrived: with no sales history in it, sales are known from then. */
  applySnapshot(snapshot: Pick<Snapshot, 'id' | 'dishes'> & { sales?: SalesHistory; chat?: readonly ChatMessageEvent[] }, now = Date.now()): void {
    const before = this.#changes ? new Map(this.dishes) : undefined;
    this.dishes.clear();
    for (const dish of snapshot.dishes) this.dishes.set(dish.id, dish);
    this.sales = snapshot.sales ? new SalesBuckets(snapshot.sales, now) : undefined;
    // The snapshot's chat is the newest there is; what this store saw before it is older or the same.
    this.chat.splice(0, this.chat.length, ...(snapshot.chat ?? []).slice(-this.#chatLimit));
    if (before) this.#changes?.reset(before, this.dishes, this.chat);
    this.lastId = snapshot.id;
    this.#changed();
  }

  /**
   * Forgets everything, for a store about to follow another restaurant: nothing of the old one may stay on screen
   * until the new snapshot arrives, and no id of the old log may be sent as `since` to the new one (it means nothing
   * there). Recorded as a reset, so views redraw from empty.
   */
  clear(): void {
    const before = this.#changes ? new Map(this.dishes) : undefined;
    this.dishes.clear();
    this.sales = undefined;
    this.chat.length = 0;
    if (before) this.#changes?.reset(before, this.dishes, this.chat);
    this.lastId = undefined;
    this.#changed();
  }

  applyEvent(event: DishEvent): ApplyResult {
    if (this.includes(event.id)) return 'duplicate';
    this.#changes?.event(event.ts);
    switch (event.type) {
      case 'dish.created':
      case 'dish.updated':
        this.#putDish(event.data.dish);
        break;
      case 'dish.sold':
        this.#addSale(event.ts, event.data.dish.category, event.data.qty);
        this.#putDish(event.data.dish);
        break;
      case 'dish.deleted':
        this.#deleteDish(event.data.id);
        break;
      case 'chat.message':
        this.#addChat(event);
        break;
    }
    this.lastId = event.id;
    this.#changed();
    return 'applied';
  }

  /**
   * Applies a conflated state and returns the chat events it carries that are new here, in order.
   * Sales it stands for are counted from the `sold` difference, at `now`, since the events' own times are gone.
   */
  applyState(state: StateMessage, now = Date.now()): { result: ApplyResult; chat: ChatMessageEvent[] } {
    if (this.includes(state.id)) return { result: 'duplicate', chat: [] };
    const chat = state.chat.filter((event) => !this.includes(event.id));
    for (const event of chat) {
      this.#addChat(event);
      this.#changes?.sample(event.ts);
    }
    for (const dish of state.dishes) {
      if ('deleted' in dish) {
        this.#changes?.event();
        this.#deleteDish(dish.id);
        continue;
      }
      const before = this.dishes.get(dish.id);
      // A dish's updatedAt is the ts of the newest event it includes: the latency of what this state delivers.
      this.#changes?.event(!before || dish.version !== before.version ? dish.updatedAt : undefined);
      if (before && dish.sold > before.sold) this.#addSale(now, dish.category, dish.sold - before.sold);
      this.#putDish(dish);
    }
    this.lastId = state.id;
    this.#changed();
    return { result: 'applied', chat };
  }

  list(): Dish[] {
    return [...this.dishes.values()];
  }

  /** Hands over what changed since the last call and starts a new record; only for a store given `onChange`. */
  takeChanges(): ChangeRecord {
    if (!this.#changes) throw new Error('this store records no changes: create it with an onChange listener');
    return this.#changes.take();
  }

  #changed(): void {
    this.revision++;
    this.#onChange?.();
  }

  #putDish(dish: Dish): void {
    // Moved out of the filter: the gateway sends the move so that the dish leaves (the filter's digest excludes it).
    if (this.categories && !this.categories.has(dish.category)) return this.#deleteDish(dish.id);
    this.#changes?.dish(this.dishes.get(dish.id), dish);
    this.dishes.set(dish.id, dish);
  }

  #deleteDish(id: string): void {
    if (this.dishes.delete(id)) this.#changes?.removed(id);
  }

  #addSale(ts: number, category: string, qty: number): void {
    const t = this.sales?.add(ts, category, qty);
    if (t !== undefined) this.#changes?.sale(t);
  }

  #addChat(event: ChatMessageEvent): void {
    this.chat.push(event);
    if (this.chat.length > this.#chatLimit) this.chat.splice(0, this.chat.length - this.#chatLimit);
    this.#changes?.chat(event);
  }
}
