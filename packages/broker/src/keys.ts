// Every Redis key and channel name of the event log, under one optional prefix (tests and tenants use their own).
export interface BrokerKeys {
  prefix: string;
  /** The event stream (the truth): `dish:events`. */
  events: string;
  /** The id of the newest event: `dish:last`. */
  last: string;
  /** The pub/sub channel events are published on. */
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
  /** Hash of one sales bucket: `total` and `c:<category>`. */
  salesBucket(t: number): string;
}

export function brokerKeys(prefix = ''): BrokerKeys {
  return {
    prefix,
    events: `${prefix}dish:events`,
    last: `${prefix}dish:last`,
    channel: `${prefix}dish:events`,
    dishIndex: `${prefix}dishes`,
    salesIndex: `${prefix}sales:buckets`,
    chatRecent: `${prefix}chat:recent`,
    dish: (id) => `${prefix}dish:${id}`,
    order: (orderId) => `${prefix}order:${orderId}`,
    salesBucket: (t) => `${prefix}sales:${t}`,
  };
}
