// The dish service's HTTP surface: health and metrics, the /api routes, and one error mapping at the end.
import express, { type Express, type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiter, type EventLog } from '@dish-live/broker';
import { healthAnswer, isTrusted, readyAnswer, SECURITY_HEADERS, type Logger, type ProbeAnswer } from '@dish-live/server';
import { createTokenCheck, requireToken } from './auth.js';
import type { Config } from './config.js';
import { AnswerCache } from './answer-cache.js';
import { cors } from './cors.js';
import { httpMetrics, type Metrics } from './metrics.js';
import type { Orders } from './orders.js';
import { problemHandler, routeNotFound } from './http-errors.js';
import { byClientAddress, byToken, rateLimit } from './rate-limit.js';
import { dishRoutes } from './routes-dishes.js';
import { eventRoutes } from './routes-events.js';
import { orderRoutes } from './routes-orders.js';

export interface AppDeps {
  config: Pick<Config, 'apiTokens' | 'chatRequiresToken' | 'chatRate' | 'writeRate' | 'allowedOrigins' | 'trustProxy' | 'keyPrefix'>;
  eventLog: EventLog;
  redis: Redis;
  orders: Orders;
  metrics: Metrics;
  logger: Logger;
  /** Names this process in its probes (replicas differ). */
  instance: string;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Dish responses carry their version as ETag; express's body hash would contradict it.
  app.set('etag', false);
  const proxies = deps.config.trustProxy;
  app.set('trust proxy', (address: string) => isTrusted(address, proxies));
  app.use(httpMetrics(deps.metrics));
  app.use((_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });

  const answer = ({ status, headers, body }: ProbeAnswer, res: express.Response) => res.status(status).set(headers).json(body);
  app.get('/healthz', (_req, res) => answer(healthAnswer(deps.instance), res));
  app.get('/readyz', async (_req, res) => {
    const ok = await deps.redis.ping().then(
      (reply) => reply === 'PONG',
      () => false,
    );
    answer(readyAnswer(ok, { instance: deps.instance, redis: ok ? 'ok' : 'unreachable' }), res);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  app.use('/api', cors(deps.config.allowedOrigins));

  // Each write counts against its client address first (so guessing tokens is limited too), then, once the token
  // is known good, against the token: one budget per token however many addresses share it.
  const limiter = new RateLimiter(deps.redis, deps.config.keyPrefix);
  const tokenCheck = requireToken(createTokenCheck(deps.config.apiTokens));
  const { writeRate, chatRate } = deps.config;
  const writeGuards: RequestHandler[] = [
    rateLimit(limiter, byClientAddress('write'), writeRate, 'writes'),
    tokenCheck,
    rateLimit(limiter, byToken('write'), writeRate, 'writes'),
  ];
  const chatLimit = rateLimit(limiter, byClientAddress('chat'), chatRate, 'messages');
  const chatGuards: RequestHandler[] = deps.config.chatRequiresToken
    ? [chatLimit, tokenCheck, rateLimit(limiter, byToken('chat'), chatRate, 'messages')]
    : [chatLimit];
  const answers = new AnswerCache();
  app.use(dishRoutes(deps.eventLog, writeGuards, answers));
  app.use(orderRoutes(deps.orders, writeGuards));
  app.use(eventRoutes(deps.eventLog, chatGuards, answers));

  app.use(routeNotFound);
  app.use(problemHandler(deps.logger, () => deps.redis.status !== 'ready'));
  return app;
}
