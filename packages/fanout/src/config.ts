// Environment configuration shared by both gateways: zod schema pieces and a loader whose errors name the variable.
import { z } from 'zod';
import { LIMITS } from '@dish-live/protocol';
import { trustProxyEnv } from './trusted-proxies.js';

const int = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

/** Variables every gateway reads; each gateway adds its own and its default PORT. */
export const gatewayEnv = {
  HOST: z.string().min(1).default('0.0.0.0'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
  KEY_PREFIX: z.string().default(''),
  RING_SIZE: int(1, 10_000),
  SOFT_LIMIT_BYTES: int(1024, 256 * 1024),
  HARD_LIMIT_BYTES: int(1024, 4 * 1024 * 1024),
  /** Browser origins besides the page's own that may connect: exact origins, comma-separated, or `*` (unset: same origin only). */
  ALLOWED_ORIGINS: z
    .string()
    .default('')
    .refine((v) => v.split(',').map((s) => s.trim()).filter(Boolean).every((o) => o === '*' || isOrigin(o)), 'comma-separated origins like https://dash.example.com, or *'),
  SHUTDOWN_GRACE_MS: int(0, 5000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  STREAM_MAXLEN: int(1, 10_000),
  SALES_BUCKET_MS: int(1, 10_000),
  /** Sales history a snapshot carries: the span the dashboard draws. */
  SNAPSHOT_SALES_WINDOW_MS: int(0, LIMITS.snapshotSalesWindowMs),
  TICK_MS: int(1, 25),
  /** Under load, at most one write per client per this many ms, carrying every event of the window (0: every turn). */
  COALESCE_MS: int(0, 10),
  /** Connections this process holds at most; past it a new one is refused with 503 + Retry-After. */
  MAX_CONNECTIONS: int(1, 20_000),
  /** Connections one client address holds at most (loopback too); past it, 429 + Retry-After. */
  MAX_CONNECTIONS_PER_IP: int(1, 1000),
  /** The proxies whose X-Forwarded-For names the client (per-address limits): addresses or subnets; unset: none. */
  TRUST_PROXY: trustProxyEnv,
  /** Whether chat needs a write token, as on the dish service: then chat over the socket is refused (post it to /api/chat). */
  CHAT_REQUIRES_TOKEN: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').default(false),
  /** HS256 secret for subscription tokens (at least 32 characters). */
  SUBSCRIBE_JWT_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  /** RS256 public key (PEM, SPKI) for subscription tokens. */
  SUBSCRIBE_JWT_PUBLIC_KEY: z.string().includes('BEGIN PUBLIC KEY', { message: 'a PEM public key (-----BEGIN PUBLIC KEY-----)' }).optional(),
  /** Whether a token is needed to subscribe; default: true when a key is set, false otherwise. */
  SUBSCRIBE_TOKEN_REQUIRED: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').optional(),
};

export const portEnv = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration: ${issues.join('; ')}`);
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
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '?');
        return `${name}=${JSON.stringify(present[name] ?? '')}: ${issue.message}`;
      }),
    );
  }
  return result.data;
}

function isOrigin(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === value;
  } catch {
    return false;
  }
}

/**
 * One origin policy for every service: a request without `Origin` (not a browser) passes; a browser's passes when
 * it comes from the page's own origin (its host is the `Host` it asked for) or from one `allowed` names (`*`: any).
 */
export function originAllowed(allowed: string, origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined || origin === '') return true;
  const listed = allowed.toLowerCase().split(',').map((s) => s.trim());
  return listed.includes('*') || listed.includes(origin.toLowerCase()) || sameOrigin(origin, host);
}

/** Whether a browser's `Origin` is the page's own: its host is the `Host` the request was sent to. */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin || !host) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}
