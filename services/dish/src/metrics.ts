// Prometheus metrics of one service instance: process defaults, HTTP requests by route and status, order outcomes.
import type { RequestHandler } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { OrderOutcome } from '@dish-live/broker';
import { createRegistry } from '@dish-live/server';
import { routeBaseOf } from './restaurant-param.js';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  ordersApplied: Counter<'source'>;
  ordersRejected: Counter<'source' | 'reason'>;
}

export function createMetrics(): Metrics {
  const registry = createRegistry();
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    ordersApplied: new Counter({
      name: 'dish_orders_applied_total',
      help: 'Orders applied (every item in stock), by source (api or simulator)',
      labelNames: ['source'],
      registers: [registry],
    }),
    ordersRejected: new Counter({
      name: 'dish_orders_rejected_total',
      help: 'Orders rejected, by source and reason',
      labelNames: ['source', 'reason'],
      registers: [registry],
    }),
  };
}

export function countOrder(metrics: Metrics, source: 'api' | 'simulator', outcome: OrderOutcome): void {
  if (outcome.status === 'applied') metrics.ordersApplied.inc({ source });
  else metrics.ordersRejected.inc({ source, reason: outcome.reason });
}

/**
 * Records each request once answered. The route label is the matched pattern, mount included (`/api/orders`,
 * `/api/restaurants/:rid/orders`), so neither ids nor restaurants explode its cardinality.
 */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.httpDuration.startTimer();
    res.once('finish', () => {
      const path = (req.route as { path?: unknown } | undefined)?.path;
      const base = routeBaseOf(res);
      const route = typeof path !== 'string' ? '(unmatched)' : path === '/' && base ? base : base + path;
      const labels = { method: req.method, route, status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      stop(labels);
    });
    next();
  };
}
