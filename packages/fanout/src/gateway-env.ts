// Environment configuration every gateway reads: the service basics plus the hub's limits, origins, proxies and tokens.
import type { z } from 'zod';
import { LIMITS } from '@dish-live/protocol';
import { allowedOriginsEnv, boolEnv, intEnv, loadEnv, serviceEnv, subscriptionEnv, trustProxyEnv } from '@dish-live/server';

/** An integer of at least `min`. */
export const atLeast = (min: number, fallback: number) => intEnv(min, Infinity, fallback);

/** Variables every gateway reads; each gateway adds its own and its default PORT. */
export const gatewayEnv = {
  ...serviceEnv,
  RING_SIZE: atLeast(1, 10_000),
  SOFT_LIMIT_BYTES: atLeast(1024, 256 * 1024),
  HARD_LIMIT_BYTES: atLeast(1024, 4 * 1024 * 1024),
  /** Browser origins besides the page's own that may connect: exact origins, comma-separated, or `*` (unset: same origin only). */
  ALLOWED_ORIGINS: allowedOriginsEnv,
  SHUTDOWN_GRACE_MS: atLeast(0, 5000),
  STREAM_MAXLEN: atLeast(1, 100_000),
  /** As on the dish service: chat appended here takes checkpoints and trims by age too. */
  HISTORY_RETENTION_MS: intEnv(1000, 30 * 24 * 3_600_000, 24 * 3_600_000),
  SALES_BUCKET_MS: atLeast(1, 10_000),
  /** Sales history a snapshot carries: the span the dashboard draws. */
  SNAPSHOT_SALES_WINDOW_MS: atLeast(0, LIMITS.snapshotSalesWindowMs),
  TICK_MS: atLeast(1, 25),
  /** Under load, at most one write per client per this many ms, carrying every event of the window (0: every turn). */
  COALESCE_MS: atLeast(0, 10),
  /** How long a restaurant stays loaded after its last client left: one coming back within it finds it live. */
  RESTAURANT_GRACE_MS: intEnv(0, 2 ** 31 - 1, 30_000),
  /** The estimated memory all live restaurants (views, rings) may take, in MiB; past it idle ones go first. */
  RESTAURANT_MEMORY_BUDGET_MB: intEnv(1, 1024 * 1024, 256),
  /** Connections this process holds at most; past it a new one is refused with 503 + Retry-After. */
  MAX_CONNECTIONS: atLeast(1, 20_000),
  /** Connections one client address holds at most (loopback too); past it, 429 + Retry-After. */
  MAX_CONNECTIONS_PER_IP: atLeast(1, 1000),
  /** The proxies whose X-Forwarded-For names the client (per-address limits): addresses or subnets; unset: none. */
  TRUST_PROXY: trustProxyEnv,
  /** Whether chat needs a write token, as on the dish service: then chat over the socket is refused (post it to /api/chat). */
  CHAT_REQUIRES_TOKEN: boolEnv(false),
  ...subscriptionEnv,
};

export type GatewayConfig = z.infer<z.ZodObject<typeof gatewayEnv>>;

/** A gateway's configuration: these variables plus its own (`extra`: its PORT and transport settings). */
export function loadGatewayEnv<Extra extends z.ZodRawShape>(extra: Extra, env: NodeJS.ProcessEnv) {
  return loadEnv({ ...gatewayEnv, ...extra }, env);
}
