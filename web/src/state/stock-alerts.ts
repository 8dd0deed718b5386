// The dashboard's own view of the alert rules: which alerts a message raises, from the stock the store held before it.
import type { DishEvent, StateMessage } from '@dish-live/protocol';
import { alertsFor, type AlertType } from '@dish-live/webhooks/rules';

export interface StockAlert {
  /** The notification's tag: a message applied twice (a resync, a resumed connection) names the same alert. */
  id: string;
  type: AlertType;
  restaurant: string;
  dish: { id: string; name: string; stock: number };
}

/**
 * The alerts one event raises. The id has the webhooks' form (`{restaurant}/{eventId}/{type}`), so the alert a
 * notification shows is the one the delivery log names.
 */
export function eventAlerts(restaurant: string, previousStock: number | undefined, event: DishEvent): StockAlert[] {
  if (event.type !== 'dish.created' && event.type !== 'dish.updated' && event.type !== 'dish.sold') return [];
  const { dish } = event.data;
  return alertsFor(previousStock, dish.stock).map((type) => ({
    id: `${restaurant}/${event.id}/${type}`,
    type,
    restaurant,
    dish: { id: dish.id, name: dish.name, stock: dish.stock },
  }));
}

/**
 * The alerts of a conflated state: each dish's stock against the one held before it. A state stands for several
 * events and names only the newest, so the id adds the dish (two dishes can sell out in one state).
 */
export function stateAlerts(restaurant: string, previousStock: (dishId: string) => number | undefined, state: StateMessage): StockAlert[] {
  const alerts: StockAlert[] = [];
  for (const dish of state.dishes) {
    if ('deleted' in dish) continue;
    for (const type of alertsFor(previousStock(dish.id), dish.stock)) {
      alerts.push({ id: `${restaurant}/${state.id}/${dish.id}/${type}`, type, restaurant, dish: { id: dish.id, name: dish.name, stock: dish.stock } });
    }
  }
  return alerts;
}
