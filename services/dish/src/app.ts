// The dish service's HTTP surface: health and metrics, the restaurant registry, one router of a restaurant's API mounted
// twice (under `/api/restaurants/{rid}`, and under `/api` for `default`), and one error mapping at the end.
import express, { Router, type Express, type RequestHandler } from 'express';
import { RateLimiter, type Restaurants, type RedisClient } from '@dish-live/broker';
import {
  healthAnswer, isTrusted, readyAnswer, SECURITY_HEADERS, type Logger, type ProbeAnswer, type SubscriptionAuth,
} from '@dish-live/server';
import { createTokenCheck } from './auth.js';
import type { Config } from './config.js';
import { cors } from './cors.js';
import { httpMetrics, type Metrics } from './metrics.js';
import type { Orders } from './orders.js';
import { problemHandler, RedisUnavailableError, routeNotFound } from './http-errors.js';
import { byClientAddress, byRestaurantClientAddress, byToken, rateLimit } from './rate-limit.js';
import { readScope } from './read-scope.js';
import { defaultRestaurant, DEFAULT_MOUNT, RESTAURANT_MOUNT, restaurantFromPath } from './restaurant-param.js';
import type { RestaurantScopes } from './restaurant-scopes.js';
import { dishRoutes } from './routes-dishes.js';
import { eventRoutes } from './routes-events.js';
import { orderRoutes } from './routes-orders.js';
import { restaurantEntryRoutes, restaurantListRoutes } from './routes-restaurants.js';
import { stateRoutes } from './routes-state.js';
import { webhookRoutes, type WebhookRouteDeps } from './routes-webhooks.js';
import { writeGuard } from './write-guard.js';
import { deploymentPermission, restaurantPermission, WriteScope } from './write-scope.js';

export interface AppDeps {
  config: Pick<Config, 'apiTokens' | 'chatRequiresToken' | 'chatRate' | 'writeRate' | 'allowedOrigins' | 'trustProxy' | 'keyPrefix'>;
  scopes: RestaurantScopes;
  registry: Restaurants;
  /** Read scope: subscription tokens when keys are configured, else every read is public. */
  subscriptionAuth: SubscriptionAuth;
  /** False until the key layout is current (the first wave's keys moved into `default`): nothing is served before. */
  layoutCurrent: () => boolean;
  redis: RedisClient;
  orders: Orders;
  /** The webhook store and the address guard's options, for the webhook routes. */
  webhooks: WebhookRouteDeps;
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
  const redisReady = () => deps.redis.status === 'ready';
  app.get('/healthz', (_req, res) => answer(healthAnswer(deps.instance), res));
  app.get('/readyz', async (_req, res) => {
    const ok = await deps.redis.ping().then(
      (reply) => reply === 'PONG',
      () => false,
    );
    const upgraded = deps.layoutCurrent();
    answer(readyAnswer(ok && upgraded, { instance: deps.instance, redis: ok ? 'ok' : 'unreachable', ...(upgraded ? {} : { layout: 'upgrading' }) }), res);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  app.use('/api', cors(deps.config.allowedOrigins));
  // Redis came up after the start and the first wave's keys are being moved: what would be read or written now
  // could be half of the old layout. While Redis is away, requests go on, so bad input is still told apart (400).
  app.use('/api', (_req, _res, next) => {
    if (redisReady() && !deps.layoutCurrent()) throw new RedisUnavailableError();
    next();
  });

  // Each write counts against its client address and, once the token is known good, against the token (write-guard.ts).
  const limiter = new RateLimiter(deps.redis, deps.config.keyPrefix);
  const scope = new WriteScope(createTokenCheck(deps.config.apiTokens), (token) => deps.registry.tokenRestaurant(token));
  const { writeRate, chatRate } = deps.config;
  const writes = { limiter, limit: writeRate, what: 'writes', address: byClientAddress('write'), token: byToken('write'), scope };
  const writeGuards: RequestHandler[] = [writeGuard({ ...writes, permission: restaurantPermission })];
  const createGuards: RequestHandler[] = [writeGuard({ ...writes, permission: deploymentPermission })];
  // Chat is counted per restaurant: a client chatting in one restaurant spends nothing of its budget in another.
  const chatAddress = byRestaurantClientAddress('chat');
  const chatGuards: RequestHandler[] = deps.config.chatRequiresToken
    ? [writeGuard({ limiter, limit: chatRate, what: 'messages', address: chatAddress, token: byToken('chat'), scope, permission: restaurantPermission })]
    : [rateLimit(limiter, chatAddress, chatRate, 'messages')];
  const readGuards: RequestHandler[] = [readScope(deps.subscriptionAuth)];

  // One restaurant's API, written once; which restaurant is set by the mount.
  const restaurantApi = Router();
  restaurantApi.use(dishRoutes(readGuards, writeGuards));
  restaurantApi.use(orderRoutes(deps.orders, readGuards, writeGuards));
  restaurantApi.use(eventRoutes(readGuards, chatGuards));
  restaurantApi.use(stateRoutes(readGuards));

  app.use(restaurantListRoutes(deps.registry, createGuards));
  // Ends in routeNotFound: an unknown path under a restaurant must not go on to the `/api` mount below. Webhooks only
  // here: the contract names them under /api/restaurants/{rid} alone (`default` as /api/restaurants/default/…).
  app.use(
    RESTAURANT_MOUNT, restaurantFromPath(deps.scopes), restaurantEntryRoutes(deps.registry, readGuards), restaurantApi,
    webhookRoutes(deps.webhooks, writeGuards), routeNotFound,
  );
  app.use(DEFAULT_MOUNT, defaultRestaurant(deps.scopes), restaurantApi);

  app.use(routeNotFound);
  app.use(problemHandler(deps.logger, () => !redisReady()));
  return app;
}
