// The dish service's HTTP surface: health and metrics, the /api routes, and one error mapping at the end.
import express, { type Express, type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiter, type EventLog } from '@dish-live/broker';
import { createTokenCheck, requireToken } from './auth.js';
import type { Config } from './config.js';
import { httpMetrics, type Metrics } from './metrics.js';
import type { Orders } from './orders.js';
import { problemHandler, RETRY_AFTER_SECONDS, routeNotFound } from './problem.js';
import { byClientAddress, rateLimit } from './rate-limit.js';
import { dishRoutes } from './routes-dishes.js';
import { eventRoutes } from './routes-events.js';
import { orderRoutes } from './routes-orders.js';

export interface AppDeps {
  config: Pick<Config, 'apiTokens' | 'chatRequiresToken' | 'chatRate' | 'trustProxy' | 'keyPrefix'>;
  eventLog: EventLog;
  redis: Redis;
  orders: Orders;
  metrics: Metrics;
  logger: Logger;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Dish responses carry their version as ETag; express's body hash would contradict it.
  app.set('etag', false);
  app.set('trust proxy', deps.config.trustProxy);
  app.use(httpMetrics(deps.metrics));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ok = await deps.redis.ping().then(
      (reply) => reply === 'PONG',
      () => false,
    );
    if (ok) res.json({ status: 'ready', redis: 'ok' });
    else res.status(503).set('Retry-After', String(RETRY_AFTER_SECONDS)).json({ status: 'unavailable', redis: 'unreachable' });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  const requireWrite = requireToken(createTokenCheck(deps.config.apiTokens));
  const chatLimit = rateLimit(new RateLimiter(deps.redis, deps.config.keyPrefix), byClientAddress('chat'), deps.config.chatRate);
  const chatGuards: RequestHandler[] = deps.config.chatRequiresToken ? [requireWrite, chatLimit] : [chatLimit];
  app.use(dishRoutes(deps.eventLog, requireWrite));
  app.use(orderRoutes(deps.orders, requireWrite));
  app.use(eventRoutes(deps.eventLog, chatGuards));

  app.use(routeNotFound);
  app.use(problemHandler(deps.logger, () => deps.redis.status !== 'ready'));
  return app;
}
