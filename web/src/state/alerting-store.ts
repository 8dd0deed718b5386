// The dashboard's store, which also tells of the stock alerts each message raises: it alone sees the stock before a
// message is applied.
import { DishStore, type ApplyResult, type DishStoreOptions } from '@dish-live/client';
import type { DishEvent, StateMessage } from '@dish-live/protocol';
import { eventAlerts, stateAlerts, type StockAlert } from './stock-alerts.js';

export type AlertListener = (alerts: StockAlert[]) => void;

export class AlertingStore extends DishStore {
  readonly #listeners = new Set<AlertListener>();

  /** `restaurant` is the one the store follows now; it changes with the picker (the store is cleared then). */
  constructor(
    private readonly restaurant: () => string,
    options: DishStoreOptions = {},
  ) {
    super(undefined, options);
  }

  onAlerts(listener: AlertListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // A snapshot raises nothing: it is a resync, not a change anyone saw happen.
  override applyEvent(event: DishEvent): ApplyResult {
    const previous = 'dish' in event.data ? this.dishes.get(event.data.dish.id)?.stock : undefined;
    const result = super.applyEvent(event);
    if (result === 'applied') this.#tell(eventAlerts(this.restaurant(), previous, event));
    return result;
  }

  override applyState(state: StateMessage, now?: number): ReturnType<DishStore['applyState']> {
    const previous = new Map<string, number>();
    for (const dish of state.dishes) {
      const held = this.dishes.get(dish.id);
      if (held) previous.set(dish.id, held.stock);
    }
    const applied = super.applyState(state, now);
    if (applied.result === 'applied') this.#tell(stateAlerts(this.restaurant(), (id) => previous.get(id), state));
    return applied;
  }

  #tell(alerts: StockAlert[]): void {
    if (alerts.length === 0) return;
    for (const listener of this.#listeners) {
      // A listener's failure (a browser refusing a Notification) must not stop the store applying the message.
      try {
        listener(alerts);
      } catch (err) {
        console.warn(`[dish-live] an alert listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
