// Environment configuration shared by both gateways: zod schema pieces and a loader whose errors name the variable.
import { z } from 'zod';

const int = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

/** Variables every gateway reads; each gateway adds its own and its default PORT. */
export const gatewayEnv = {
  HOST: z.string().min(1).default('0.0.0.0'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
  KEY_PREFIX: z.string().default(''),
  RING_SIZE: int(1, 10_000),
  SOFT_LIMIT_BYTES: int(1024, 256 * 1024),
  HARD_LIMIT_BYTES: int(1024, 4 * 1024 * 1024),
  ALLOWED_ORIGINS: z.string().min(1).default('*'),
  SHUTDOWN_GRACE_MS: int(0, 5000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  STREAM_MAXLEN: int(1, 10_000),
  SALES_BUCKET_MS: int(1, 10_000),
  SALES_RETENTION_MS: int(1, 24 * 3600_000),
  TICK_MS: int(1, 25),
  /** Under load, at most one write per client per this many ms, carrying every event of the window (0: every turn). */
  COALESCE_MS: int(0, 10),
  /** Connections this process holds at most; past it a new one is refused with 503 + Retry-After. */
  MAX_CONNECTIONS: int(1, 20_000),
  /** Connections one client address holds at most (loopback too); past it, 429 + Retry-After. */
  MAX_CONNECTIONS_PER_IP: int(1, 1000),
  /** Which peers' X-Forwarded-For names the client (per-address limits): true, false, or loopback, linklocal, uniquelocal, addresses. */
  TRUST_PROXY: z
    .string()
    .default('loopback, linklocal, uniquelocal')
    .refine((v) => /^(true|false|[\w.:]+(\s*,\s*[\w.:]+)*)$/.test(v.trim()), 'true, false, or a comma-separated list of loopback, linklocal, uniquelocal and addresses'),
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

/** `*` allows every origin; otherwise an exact match against a comma-separated list. */
export function originAllowed(allowed: string, origin: string | undefined): boolean {
  if (allowed.trim() === '*') return true;
  if (origin === undefined || origin === '') return true; // non-browser clients send no Origin
  return allowed.split(',').some((entry) => entry.trim() === origin);
}
