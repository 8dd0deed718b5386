// Every Redis key and channel name of one restaurant's event log, under the restaurant's hash tag `{r:<rid>}` so that
// one script call touches one cluster slot, and under one optional deployment prefix (tests use their own).
import { DEFAULT_RESTAURANT } from '@dish-live/protocol';

export interface BrokerKeys {
  prefix: string;
  restaurant: string;
  /** What every key of the restaurant starts with: `<prefix>{r:<rid>}:`. */
  base: string;
  /** The event stream (the truth): `…dish:events`. */
  events: string;
  /** The id of the newest event: `…dish:last`. */
  last: string;
  /**
   * With WRITE_MIN_REPLICAS: the newest event replicas were confirmed to hold (`…dish:confirmed`); events are published
   * and read only up to it, so nobody sees one a failover could take back.
   */
  confirmed: string;
  /** The sharded pub/sub channel events are published on (SPUBLISH). */
  channel: string;
  /** The set of dish ids. */
  dishIndex: string;
  /** One order's final outcome (kept for a retention period). */
  order(orderId: string): string;
  /** Sorted set of sales bucket start times. */
  salesIndex: string;
  /** List of the most recent chat envelopes, newest first (capped), so a snapshot carries the conversation. */
  chatRecent: string;
  dish(id: string): string;
  /** History by time: a hash of dish id → the dish's JSON, kept by every event, that checkpoints copy. */
  historyDishes: string;
  /** History by time: `<events since the last checkpoint> <its ts>`; set once the mirror holds every dish. */
  historyMeta: string;
  /** History by time: a stream of checkpoints, each under the id of the last event it includes (`ts`, `dishes`). */
  checkpoints: string;
  /** Hash of one sales bucket: `total` and `c:<category>`. */
  salesBucket(t: number): string;
}

/** The hash tag of a restaurant: every one of its keys carries it, so they all live in one cluster slot. */
export const restaurantTag = (restaurant: string) => `{r:${restaurant}}`;

export function brokerKeys(prefix = '', restaurant: string = DEFAULT_RESTAURANT): BrokerKeys {
  const base = `${prefix}${restaurantTag(restaurant)}:`;
  return {
    prefix,
    restaurant,
    base,
    events: `${base}dish:events`,
    last: `${base}dish:last`,
    confirmed: `${base}dish:confirmed`,
    channel: `${base}dish:events`,
    dishIndex: `${base}dishes`,
    salesIndex: `${base}sales:buckets`,
    chatRecent: `${base}chat:recent`,
    dish: (id) => `${base}dish:${id}`,
    historyDishes: `${base}history:dishes`,
    historyMeta: `${base}history:meta`,
    checkpoints: `${base}history:checkpoints`,
    order: (orderId) => `${base}order:${orderId}`,
    salesBucket: (t) => `${base}sales:${t}`,
  };
}

/** Keys of the deployment, not of one restaurant: the restaurant registry and its tokens, under their own tag. */
export function registryKeys(prefix = '') {
  const base = `${prefix}{dl:restaurants}`;
  return {
    /** Hash: restaurant id → `{"id","name","createdAt"}`. */
    restaurants: base,
    /** Hash: SHA-256 of a restaurant write token → restaurant id. */
    tokens: `${base}:tokens`,
    /** The key layout version; `2` once the first wave's keys were moved into `default`. */
    layout: `${base}:layout`,
  };
}
