// Environment configuration for every service: zod pieces and one loader whose errors name each bad variable.
import { z } from 'zod';

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
  KEY_PREFIX: z.string().max(100).default(''),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
};

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
