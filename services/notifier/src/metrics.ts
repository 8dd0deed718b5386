// The notifier's Prometheus metrics: alerts made, attempts by outcome, retries, and the queue's backlog read at scrape.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createRegistry } from '@dish-live/server';
import { ALERT_TYPES, type AlertJob, type AttemptOutcome } from '@dish-live/webhooks';

/** What a scrape reads from the queue: jobs not yet attempted or waiting for a retry, and the oldest one's age. */
export interface Backlog {
  pending(): Promise<{ waiting: number; delayed: number; oldestAgeSeconds: number }>;
}

export interface NotifierMetrics {
  registry: Registry;
  /** Jobs queued by the follower, by alert type (a page read again after a crash counts its jobs again). */
  countAlerts(jobs: readonly AlertJob[]): void;
  countAttempt(outcome: AttemptOutcome, attempt: number, seconds: number | undefined): void;
  /** A restaurant's stored place was gone from its log: its dishes' net changes were alerted from a snapshot. */
  countPlaceLost(): void;
}

const OUTCOMES: readonly AttemptOutcome[] = ['delivered', 'retrying', 'failed', 'gone', 'refused', 'dropped'];

export function createMetrics(backlog: Backlog, following: () => number): NotifierMetrics {
  const registry = createRegistry();
  const alerts = new Counter({
    name: 'notifier_alerts_total',
    help: 'Alert jobs queued (one per alert and webhook), by alert type',
    labelNames: ['type'],
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'notifier_deliveries_total',
    help: 'Delivery attempts by outcome (delivered, retrying, failed, gone, refused), and jobs dropped because their webhook was removed or disabled',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const placesLost = new Counter({
    name: 'notifier_places_lost_total',
    help: "Restaurants whose stored place was gone from the log (trimmed while the notifier was down, or taken back by a failover): each dish's net change was alerted from a snapshot instead of each transition",
    registers: [registry],
  });
  const retries = new Counter({ name: 'notifier_retries_total', help: 'Delivery attempts after the first of their alert', registers: [registry] });
  const duration = new Histogram({
    name: 'notifier_delivery_duration_seconds',
    help: 'One POST to a receiver, from connecting to its answer (or the timeout)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // Every series from the start at 0, so a rate() sees the first alert and a dashboard shows the outcomes that never happened.
  for (const type of ALERT_TYPES) alerts.inc({ type }, 0);
  for (const outcome of OUTCOMES) deliveries.inc({ outcome }, 0);
  let read: Promise<{ waiting: number; delayed: number; oldestAgeSeconds: number }> | undefined;
  // One backlog read serves both gauges of a scrape.
  const pending = () => (read ??= backlog.pending().finally(() => setTimeout(() => (read = undefined), 100).unref()));
  new Gauge({
    name: 'notifier_queue_depth',
    help: 'Alert jobs waiting for an attempt: waiting now plus delayed until their retry',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const { waiting, delayed } = await pending();
      this.set({ state: 'waiting' }, waiting);
      this.set({ state: 'delayed' }, delayed);
    },
  });
  new Gauge({
    name: 'notifier_oldest_pending_seconds',
    help: 'Age of the oldest alert job waiting or delayed (0 when none)',
    registers: [registry],
    async collect() {
      this.set((await pending()).oldestAgeSeconds);
    },
  });
  new Gauge({
    name: 'notifier_restaurants_followed',
    help: 'Restaurants whose logs are followed (those with at least one webhook)',
    registers: [registry],
    collect() {
      this.set(following());
    },
  });
  return {
    registry,
    countPlaceLost() {
      placesLost.inc();
    },
    countAlerts(jobs) {
      for (const job of jobs) alerts.inc({ type: job.type });
    },
    countAttempt(outcome, attempt, seconds) {
      deliveries.inc({ outcome });
      if (attempt > 1 && outcome !== 'dropped') retries.inc();
      if (seconds !== undefined) duration.observe(seconds);
    },
  };
}
