// The gateway's Prometheus metrics, one Registry per process; label values bound once so hot paths do no lookups.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createRegistry } from '@dish-live/server';

export interface FanoutMetrics {
  registry: Registry;
  connections: Gauge;
  conflating: Gauge;
  eventsDelivered: Counter;
  bytesSent: Counter;
  stateMessages: Counter;
  conflatedEvents: Counter;
  /** The proof's `check` messages written (one per client). */
  checks: Counter;
  disconnects: Counter<'transport' | 'reason'>;
  feedGapsFilled: Counter;
  publishLatency: Histogram;
  /** Live restaurants (loading ones included): no per-restaurant labels, whose number would grow without bound. */
  restaurantsLive: Gauge;
  restaurantLoads: Counter;
  restaurantReleases: Counter;
  restaurantEvictions: Counter;
  restaurantRingShrinks: Counter;
  restaurantBytes: Gauge;
  bound: {
    connections: ReturnType<Gauge['labels']>;
    conflating: ReturnType<Gauge['labels']>;
    eventsDelivered: ReturnType<Counter['labels']>;
    bytesSent: ReturnType<Counter['labels']>;
    publishLatency: ReturnType<Histogram['labels']>;
  };
  transport: string;
}

export function createMetrics(transport: string): FanoutMetrics {
  const registry = createRegistry({ service: `${transport}-gateway` });
  const registers = [registry];
  const connections = new Gauge({ name: 'dish_live_connections', help: 'Open client connections', labelNames: ['transport'], registers });
  const conflating = new Gauge({
    name: 'dish_live_conflating_connections', help: 'Connections currently conflated (slow, or capped by maxRate)', labelNames: ['transport'], registers,
  });
  const eventsDelivered = new Counter({
    name: 'dish_live_events_delivered_total', help: 'Event frames written to clients (one per client per event)', labelNames: ['transport'], registers,
  });
  const bytesSent = new Counter({ name: 'dish_live_bytes_sent_total', help: 'Bytes of frames written to clients', labelNames: ['transport'], registers });
  const stateMessages = new Counter({ name: 'dish_live_state_messages_total', help: 'Conflated `state` messages sent', labelNames: ['transport'], registers });
  const conflatedEvents = new Counter({
    name: 'dish_live_conflated_events_total', help: 'Events folded into `state` messages instead of sent one by one', labelNames: ['transport'], registers,
  });
  const checks = new Counter({
    name: 'dish_live_check_messages_total', help: 'Proof `check` messages sent (one per client per round it got events in)', labelNames: ['transport'], registers,
  });
  const disconnects = new Counter({
    name: 'dish_live_disconnects_total', help: 'Connections ended, by reason', labelNames: ['transport', 'reason'], registers,
  });
  const feedGapsFilled = new Counter({ name: 'dish_live_feed_gaps_filled_total', help: 'Gaps in the pub/sub feed filled from the stream', registers });
  const publishLatency = new Histogram({
    name: 'dish_live_publish_to_write_seconds',
    help: 'From the event timestamp to the write of its frame to clients',
    labelNames: ['transport'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const restaurantsLive = new Gauge({ name: 'dish_live_restaurants_live', help: 'Restaurants this process follows now (loaded or loading)', registers });
  const restaurantLoads = new Counter({ name: 'dish_live_restaurant_loads_total', help: 'Restaurants loaded (view read, channel subscribed) for a first client', registers });
  const restaurantReleases = new Counter({
    name: 'dish_live_restaurant_releases_total', help: 'Restaurants released (channel unsubscribed, memory dropped), evictions included', registers,
  });
  const restaurantEvictions = new Counter({
    name: 'dish_live_restaurant_evictions_total', help: 'Restaurants without clients released before their grace ended, to keep the memory budget', registers,
  });
  const restaurantRingShrinks = new Counter({
    name: 'dish_live_restaurant_ring_shrinks_total', help: 'Rings of restaurants with clients shrunk to keep the memory budget', registers,
  });
  const restaurantBytes = new Gauge({
    name: 'dish_live_restaurant_bytes', help: 'Estimated bytes of the live restaurants (views, rings, fixed overhead), as the memory budget counts them', registers,
  });
  return {
    registry, connections, conflating, eventsDelivered, bytesSent, stateMessages, conflatedEvents, checks, disconnects, feedGapsFilled, publishLatency,
    restaurantsLive, restaurantLoads, restaurantReleases, restaurantEvictions, restaurantRingShrinks, restaurantBytes,
    bound: {
      connections: connections.labels(transport),
      conflating: conflating.labels(transport),
      eventsDelivered: eventsDelivered.labels(transport),
      bytesSent: bytesSent.labels(transport),
      publishLatency: publishLatency.labels(transport),
    },
    transport,
  };
}
