// Environment configuration for every service: zod pieces and one loader whose errors name each bad variable.
import { z } from 'zod';
import type { ClusterNode, RedisTarget } from './redis.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** An integer from `min` to `max` (unbounded: Infinity), written in plain digits (no `1e3`, no `1.0`). */
export const intEnv = (min: number, max: number, fallback: number) => {
  const expected = max === Infinity ? `expected an integer of at least ${min}` : `expected an integer from ${min} to ${max}`;
  return z
    .string()
    .default(String(fallback))
    .refine((v) => /^\d+$/.test(v.trim()), expected)
    .transform((v) => Number(v.trim()))
    .refine((n) => n >= min && n <= max, expected);
};

export const boolEnv = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const portEnv = (fallback: number) => intEnv(0, 65_535, fallback);

/** What every service reads to listen, log and reach Redis. */
/**
 * Subscription keys, read by the gateways (who may subscribe) and the dish service (who may read a restaurant): with a
 * key set, a token whose `restaurants` claim names the restaurant is needed.
 */
export const subscriptionEnv = {
  /** HS256 secret for subscription tokens (at least 32 characters). */
  SUBSCRIBE_JWT_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  /** RS256 public key (PEM, SPKI) for subscription tokens. */
  SUBSCRIBE_JWT_PUBLIC_KEY: z.string().includes('BEGIN PUBLIC KEY', { message: 'a PEM public key (-----BEGIN PUBLIC KEY-----)' }).optional(),
  /** Whether a token is needed; default: true when a key is set, false otherwise. */
  SUBSCRIBE_TOKEN_REQUIRED: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').optional(),
};

export const serviceEnv = {
  HOST: z.string().min(1).default('0.0.0.0'),
  REDIS_URL: z
    .string()
    .default('redis://127.0.0.1:6379')
    .refine((v) => /^rediss?:\/\/[^\s]+$/.test(v) && URL.canParse(v), 'expected a redis:// or rediss:// URL'),
  /** A Redis Cluster instead of REDIS_URL: `host:port,host:port,…`, any subset of its nodes. */
  REDIS_CLUSTER_NODES: z
    .string()
    .refine((v) => v.split(',').every(validClusterNode), 'expected host:port,host:port,… (a port from 1 to 65535)')
    .transform((v) => v.split(',').map(parseClusterNode))
    .optional(),
  /** Replicas that must hold a write before it is acknowledged and published (0: acknowledged once the primary has it). */
  WRITE_MIN_REPLICAS: intEnv(0, 16, 0),
  /** How long a write waits for those replicas before it is answered 503. */
  WRITE_REPLICA_TIMEOUT_MS: intEnv(1, 60_000, 1000),
  KEY_PREFIX: z.string().max(100).default(''),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
};

const CLUSTER_NODE = /^[A-Za-z0-9.:[\]_-]+:([1-9]\d{0,4})$/;

const validClusterNode = (text: string) => CLUSTER_NODE.test(text.trim()) && parseClusterNode(text).port <= 65_535;

function parseClusterNode(text: string): ClusterNode {
  const node = text.trim();
  const colon = node.lastIndexOf(':');
  const port = Number(node.slice(colon + 1));
  // [::1]:7000 names an IPv6 host by its address without the brackets.
  return { host: node.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port };
}

/** Where the service finds Redis: the cluster when REDIS_CLUSTER_NODES is set, else REDIS_URL. */
export function redisTarget(e: { REDIS_URL: string; REDIS_CLUSTER_NODES?: ClusterNode[] | undefined }): RedisTarget {
  return e.REDIS_CLUSTER_NODES ? { clusterNodes: e.REDIS_CLUSTER_NODES } : { url: e.REDIS_URL };
}

/** What a write waits for before it is acknowledged (WRITE_MIN_REPLICAS, WRITE_REPLICA_TIMEOUT_MS). */
export interface Durability {
  minReplicas: number;
  replicaTimeoutMs: number;
}

export const durability = (e: { WRITE_MIN_REPLICAS: number; WRITE_REPLICA_TIMEOUT_MS: number }): Durability => ({
  minReplicas: e.WRITE_MIN_REPLICAS,
  replicaTimeoutMs: e.WRITE_REPLICA_TIMEOUT_MS,
});

export interface ConfigProblem {
  variable: string;
  value: string;
  message: string;
}

/**
 * A bad value as an error may show it: write tokens and signing secrets never, a Redis URL without its password
 * (both end up in logs that more people read than the environment).
 */
function shown(variable: string, value: string): string {
  if (/_(TOKENS|SECRET)$/.test(variable)) return '***';
  return value.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`invalid configuration: ${problems.map((p) => `${p.variable}: ${p.message} (was ${p.variable}=${JSON.stringify(p.value)})`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment with `shape`; every bad variable is named in the error. Empty values count as unset. */
export function loadEnv<Shape extends z.ZodRawShape>(shape: Shape, env: NodeJS.ProcessEnv): z.infer<z.ZodObject<Shape>> {
  const present: Record<string, string> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') present[key] = value;
  }
  const result = z.object(shape).safeParse(present);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '?');
      return { variable, value: shown(variable, present[variable] ?? ''), message: issue.message };
    }),
  );
}
