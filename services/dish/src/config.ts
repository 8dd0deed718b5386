// The dish service's configuration: environment variables validated with zod, a bad one named in the error.
import { z } from 'zod';
import type { BlockList } from 'node:net';
import { DEFAULT_RESTAURANT, isRestaurantId, LIMITS } from '@dish-live/protocol';
import {
  allowedOriginsEnv, boolEnv, ConfigError, durability, intEnv as int, loadEnv, portEnv, redisTarget, serviceEnv, subscriptionEnv,
  trustProxyEnv, type Durability, type RedisTarget,
  type AllowedOrigins, type LogLevel,
} from '@dish-live/server';
import { DEFAULT_TIMEOUT_MS, loadWithWebhookEnv, webhookEnvShape, type WebhookEnv } from '@dish-live/webhooks';
import type { SubscriptionAuthConfig } from './read-scope.js';

/** A number of tokens per second; 0 turns a limit off. */
const perSecond = (fallback: number, what: string) =>
  z
    .string()
    .default(String(fallback))
    .refine((v) => /^\d+(\.\d+)?$/.test(v.trim()) && Number(v) <= 100_000, `expected a number of ${what} per second (0 is off)`)
    .transform(Number);

const HASHED_TOKEN = /^sha256:[0-9a-f]{64}$/i;
/** Each simulated restaurant has a schedule in Redis and ticks on the workers: a demo's handful, not a benchmark's load. */
const MAX_SIM_RESTAURANTS = 1000;


const envShape = {
  PORT: portEnv(3000),
  ...serviceEnv,
  /** Comma-separated bearer tokens allowed to write, each plain or `sha256:<64 hex>`; none means every write is refused. */
  DISH_API_TOKENS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((t) => t.trim()).filter((t) => t.length > 0))
    .refine(
      (tokens) => tokens.every((t) => !/^sha256:/i.test(t) || HASHED_TOKEN.test(t)),
      'a hashed entry is sha256: followed by 64 hex digits (the SHA-256 of the token)',
    ),
  SIM_RATE: z
    .string()
    .default('0')
    .refine((v) => /^\d+(\.\d+)?$/.test(v.trim()) && Number(v) <= 1000, 'expected a number of events per second from 0 to 1000')
    .transform(Number),
  STREAM_MAXLEN: int(100, 10_000_000, 100_000),
  /** How far back `…/state?at=` answers; the stream is trimmed by age to it (STREAM_MAXLEN still bounds its memory). */
  HISTORY_RETENTION_MS: int(1000, 30 * 24 * 3_600_000, 24 * 3_600_000),
  SALES_BUCKET_MS: int(1000, 3_600_000, 10_000),
  ORDER_CONCURRENCY: int(1, 256, 8),
  CHAT_REQUIRES_TOKEN: boolEnv(false),
  SEED_MENU: boolEnv(true),
  /** Chat messages one client address may post at once, then CHAT_RATE_PER_SEC more each second; 0 per second is off. */
  CHAT_RATE_BURST: int(1, 100_000, 10),
  CHAT_RATE_PER_SEC: perSecond(1, 'messages'),
  /** Writes (dishes, orders) one token may make at once, then WRITE_RATE_PER_SEC more each second; the same budget
   * applies separately to each client address. */
  WRITE_RATE_BURST: int(1, 100_000, 200),
  WRITE_RATE_PER_SEC: perSecond(50, 'writes'),
  ALLOWED_ORIGINS: allowedOriginsEnv,
  /** How long a worker holds an order job before another worker may take it over (it renews the lock at half). */
  ORDER_LOCK_MS: int(1000, 600_000, 30_000),
  /** The proxies whose X-Forwarded-For names the client: addresses or subnets; unset: none (the peer is the client). */
  TRUST_PROXY: trustProxyEnv,
  /** Sales history a snapshot carries: the span the dashboard draws. */
  SNAPSHOT_SALES_WINDOW_MS: int(0, 24 * 3_600_000, LIMITS.snapshotSalesWindowMs),
  /** The restaurants the simulator drives (each at SIM_RATE), registered at start when missing. */
  SIM_RESTAURANTS: z
    .string()
    .default(DEFAULT_RESTAURANT)
    .transform((v) => [...new Set(v.split(',').map((id) => id.trim()).filter((id) => id.length > 0))])
    .refine((ids) => ids.length > 0 && ids.every(isRestaurantId), 'expected restaurant ids (a-z, 0-9 and "-", up to 40 characters), comma-separated')
    .refine((ids) => ids.length <= MAX_SIM_RESTAURANTS, `at most ${MAX_SIM_RESTAURANTS} restaurants`),
  // Read scope, with the gateways' variables and meaning.
  ...subscriptionEnv,
  ...webhookEnvShape,
  /** The notifier's attempt budget; here, how long a registration waits for DNS before it answers 422 unresolvable. */
  WEBHOOK_TIMEOUT_MS: int(100, 60_000, DEFAULT_TIMEOUT_MS),
};

export interface Config {
  port: number;
  host: string;
  /** REDIS_URL, or the cluster of REDIS_CLUSTER_NODES. */
  redis: RedisTarget;
  /** WRITE_MIN_REPLICAS, WRITE_REPLICA_TIMEOUT_MS. */
  durability: Durability;
  apiTokens: string[];
  simRate: number;
  streamMaxLen: number;
  /** HISTORY_RETENTION_MS: the history `state?at=` answers, and the age the stream is trimmed to. */
  historyRetentionMs: number;
  salesBucketMs: number;
  keyPrefix: string;
  logLevel: LogLevel;
  orderConcurrency: number;
  chatRequiresToken: boolean;
  seedMenu: boolean;
  chatRate: { burst: number; perSecond: number };
  writeRate: { burst: number; perSecond: number };
  /** `*`, or the exact origins (lower-case) allowed to call the API from a browser; empty: same origin only. */
  allowedOrigins: AllowedOrigins;
  orderLockMs: number;
  trustProxy: BlockList;
  snapshotSalesWindowMs: number;
  /** The restaurants the simulator drives; `default` unless SIM_RESTAURANTS says otherwise. */
  simRestaurants: string[];
  /** What SubscriptionAuth reads (the gateways' names): unset keys leave reads public. */
  subscribe: SubscriptionAuthConfig;
  /** The webhook routes: secrets sealed with `secretKey` (unset: kept as is), URLs checked by the address guard,
   * whose DNS lookup ends after `resolveTimeoutMs`. */
  webhooks: WebhookEnv & { resolveTimeoutMs: number };
}

/** Reads the configuration; throws a ConfigError naming every bad variable. Empty values count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const { e, webhooks } = loadWithWebhookEnv(env, (vars) => loadEnv(envShape, vars), ConfigError);
  return {
    port: e.PORT,
    host: e.HOST,
    redis: redisTarget(e),
    durability: durability(e),
    apiTokens: e.DISH_API_TOKENS,
    simRate: e.SIM_RATE,
    streamMaxLen: e.STREAM_MAXLEN,
    historyRetentionMs: e.HISTORY_RETENTION_MS,
    salesBucketMs: e.SALES_BUCKET_MS,
    keyPrefix: e.KEY_PREFIX,
    logLevel: e.LOG_LEVEL,
    orderConcurrency: e.ORDER_CONCURRENCY,
    chatRequiresToken: e.CHAT_REQUIRES_TOKEN,
    seedMenu: e.SEED_MENU,
    chatRate: { burst: e.CHAT_RATE_BURST, perSecond: e.CHAT_RATE_PER_SEC },
    writeRate: { burst: e.WRITE_RATE_BURST, perSecond: e.WRITE_RATE_PER_SEC },
    allowedOrigins: e.ALLOWED_ORIGINS,
    orderLockMs: e.ORDER_LOCK_MS,
    trustProxy: e.TRUST_PROXY,
    snapshotSalesWindowMs: e.SNAPSHOT_SALES_WINDOW_MS,
    simRestaurants: e.SIM_RESTAURANTS,
    subscribe: {
      SUBSCRIBE_JWT_SECRET: e.SUBSCRIBE_JWT_SECRET,
      SUBSCRIBE_JWT_PUBLIC_KEY: e.SUBSCRIBE_JWT_PUBLIC_KEY,
      SUBSCRIBE_TOKEN_REQUIRED: e.SUBSCRIBE_TOKEN_REQUIRED,
    },
    webhooks: { ...webhooks, resolveTimeoutMs: e.WEBHOOK_TIMEOUT_MS },
  };
}

/** For the entry point: a bad configuration is one line on stderr naming the variables, then exit code 2. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${JSON.stringify({ level: 60, msg: err.message, problems: err.problems })}\n`);
    process.exit(2);
  }
}
