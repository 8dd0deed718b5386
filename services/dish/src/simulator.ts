// The demo simulator's decisions, pure: given the dishes and a random source, the next orders, restocks and price changes.
import { LIMITS, type Dish, type OrderItem } from '@dish-live/protocol';

export type SimAction =
  | { kind: 'order'; items: OrderItem[] }
  | { kind: 'restock'; dishId: string; stock: number }
  | { kind: 'price'; dishId: string; price: number };

/** A source of numbers in [0, 1), like Math.random. */
export type Random = () => number;

/** Shares of each kind of action; the rest are orders. Restocks grow more likely while a dish runs low. */
const PRICE_SHARE = 0.05;
const RESTOCK_SHARE = 0.1;
const RESTOCK_SHARE_WHEN_LOW = 0.3;
const LOW_STOCK = 5;
const MIN_PRICE = 100;

const pick = <T>(items: readonly T[], random: Random): T => items[Math.floor(random() * items.length)]!;
const between = (min: number, max: number, random: Random) => min + Math.floor(random() * (max - min + 1));

/**
 * Plans `count` actions against a copy of the dishes' stock, so one tick does not sell what an earlier action of
 * the same tick already sold. Each action changes the log by at least one event.
 */
export function planActions(dishes: readonly Dish[], count: number, random: Random): SimAction[] {
  if (dishes.length === 0) return [];
  const stock = new Map(dishes.map((d) => [d.id, d.stock]));
  const actions: SimAction[] = [];
  for (let i = 0; i < count; i++) {
    const inStock = dishes.filter((d) => stock.get(d.id)! > 0);
    const { dish: low, stock: lowStock } = lowest(dishes, stock);
    const restockShare = lowStock < LOW_STOCK ? RESTOCK_SHARE_WHEN_LOW : RESTOCK_SHARE;
    const r = random();
    if (r < PRICE_SHARE) {
      actions.push(priceChange(pick(dishes, random), random));
    } else if (r < PRICE_SHARE + restockShare || inStock.length === 0) {
      const next = Math.min(lowStock + between(20, 100, random), LIMITS.stock.max);
      stock.set(low.id, next);
      actions.push({ kind: 'restock', dishId: low.id, stock: next });
    } else {
      actions.push(order(inStock, stock, random));
    }
  }
  return actions;
}

function lowest(dishes: readonly Dish[], stock: Map<string, number>): { dish: Dish; stock: number } {
  let best = dishes[0]!;
  for (const d of dishes) if (stock.get(d.id)! < stock.get(best.id)!) best = d;
  return { dish: best, stock: stock.get(best.id)! };
}

function order(inStock: readonly Dish[], stock: Map<string, number>, random: Random): SimAction {
  const lines = random() < 0.75 || inStock.length < 2 ? 1 : 2;
  const chosen = new Set<Dish>();
  while (chosen.size < lines) chosen.add(pick(inStock, random));
  const items = [...chosen].map((d) => {
    const left = stock.get(d.id)!;
    const qty = between(1, Math.min(3, left), random);
    stock.set(d.id, left - qty);
    return { dishId: d.id, qty };
  });
  return { kind: 'order', items };
}

/** A change of 2–10 % either way, rounded to 10 cents, within the limits. */
function priceChange(dish: Dish, random: Random): SimAction {
  const factor = 1 + (random() < 0.5 ? -1 : 1) * between(2, 10, random) / 100;
  let price = Math.round((dish.price * factor) / 10) * 10;
  if (price === dish.price) price += 10;
  price = Math.min(Math.max(price, MIN_PRICE), LIMITS.price.max);
  return { kind: 'price', dishId: dish.id, price };
}

export interface TickPlan {
  everyMs: number;
  actionsPerTick: number;
}

/**
 * How often the scheduler fires and how many actions each firing plans for `rate` actions per second: at most ten
 * firings a second, so high rates batch instead of flooding the queue with jobs.
 */
export function tickPlan(rate: number): TickPlan {
  if (!(rate > 0)) throw new RangeError('the simulator needs a rate above 0');
  const everyMs = Math.max(100, Math.round(1000 / rate));
  return { everyMs, actionsPerTick: Math.max(1, Math.round((rate * everyMs) / 1000)) };
}

/** A seeded generator (mulberry32), for reproducible runs and tests. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
