// The dish service's configuration: environment variables validated with zod, a bad one named in the error.
import { z } from 'zod';
import type { BlockList } from 'node:net';
import { trustProxyEnv } from '@dish-live/fanout';
import { LIMITS } from '@dish-live/protocol';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number, fallback: number) =>
  z
    .string()
    .default(String(fallback))
    .refine((v) => /^\d+$/.test(v.trim()), `expected an integer from ${min} to ${max}`)
    .transform((v) => Number(v.trim()))
    .refine((n) => n >= min && n <= max, `expected an integer from ${min} to ${max}`);

/** A number of tokens per second; 0 turns a limit off. */
const perSecond = (fallback: number, what: string) =>
  z
    .string()
    .default(String(fallback))
    .refine((v) => /^\d+(\.\d+)?$/.test(v.trim()) && Number(v) <= 100_000, `expected a number of ${what} per second (0 is off)`)
    .transform(Number);

const HASHED_TOKEN = /^sha256:[0-9a-f]{64}$/i;

/** Origins a browser may call the API from: none (same origin only), `*`, or a list of exact origins. */
const origins = z
  .string()
  .default('')
  .transform((v) => v.split(',').map((o) => o.trim()).filter((o) => o.length > 0))
  .refine(
    (list) => list.every((o) => o === '*' || /^https?:\/\/[^/\s?#]+$/.test(o)),
    'expected *, or comma-separated origins such as https://app.example.com (scheme, host, optional port; no path)',
  )
  .transform((list): '*' | string[] => (list.includes('*') ? '*' : list.map((o) => o.toLowerCase())));

const envSchema = z.object({
  PORT: int(0, 65_535, 3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  REDIS_URL: z
    .string()
    .default('redis://127.0.0.1:6379')
    .refine((v) => /^rediss?:\/\/[^\s]+$/.test(v) && URL.canParse(v), 'expected a redis:// or rediss:// URL'),
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
  STREAM_MAXLEN: int(100, 10_000_000, 10_000),
  SALES_BUCKET_MS: int(1000, 3_600_000, 10_000),
  KEY_PREFIX: z.string().max(100).default(''),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  ORDER_CONCURRENCY: int(1, 256, 8),
  CHAT_REQUIRES_TOKEN: bool(false),
  SEED_MENU: bool(true),
  /** Chat messages one client address may post at once, then CHAT_RATE_PER_SEC more each second; 0 per second is off. */
  CHAT_RATE_BURST: int(1, 100_000, 10),
  CHAT_RATE_PER_SEC: perSecond(1, 'messages'),
  /** Writes (dishes, orders) one token may make at once, then WRITE_RATE_PER_SEC more each second; the same budget
   * applies separately to each client address. */
  WRITE_RATE_BURST: int(1, 100_000, 200),
  WRITE_RATE_PER_SEC: perSecond(50, 'writes'),
  ALLOWED_ORIGINS: origins,
  /** How long a worker holds an order job before another worker may take it over (it renews the lock at half). */
  ORDER_LOCK_MS: int(1000, 600_000, 30_000),
  /** The proxies whose X-Forwarded-For names the client: addresses or subnets; unset: none (the peer is the client). */
  TRUST_PROXY: trustProxyEnv,
  /** Sales history a snapshot carries: the span the dashboard draws. */
  SNAPSHOT_SALES_WINDOW_MS: int(0, 24 * 3_600_000, LIMITS.snapshotSalesWindowMs),
});

export interface Config {
  port: number;
  host: string;
  redisUrl: string;
  apiTokens: string[];
  simRate: number;
  streamMaxLen: number;
  salesBucketMs: number;
  keyPrefix: string;
  logLevel: (typeof LOG_LEVELS)[number];
  orderConcurrency: number;
  chatRequiresToken: boolean;
  seedMenu: boolean;
  chatRate: { burst: number; perSecond: number };
  writeRate: { burst: number; perSecond: number };
  /** `*`, or the exact origins (lower-case) allowed to call the API from a browser; empty: same origin only. */
  allowedOrigins: '*' | string[];
  orderLockMs: number;
  trustProxy: BlockList;
  snapshotSalesWindowMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`invalid configuration: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the configuration; throws a ConfigError naming every bad variable. Empty values count as unset. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => ({ variable: String(i.path[0] ?? '?'), message: i.message })));
  }
  const e = result.data;
  return {
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    apiTokens: e.DISH_API_TOKENS,
    simRate: e.SIM_RATE,
    streamMaxLen: e.STREAM_MAXLEN,
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
  };
}

/** For the entry point: a bad configuration is one line on stderr naming the variables, then exit code 2. */
export function loadConfigOrExit(env: Record<string, string | undefined>): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${JSON.stringify({ level: 60, msg: err.message, problems: err.problems })}\n`);
    process.exit(2);
  }
}
