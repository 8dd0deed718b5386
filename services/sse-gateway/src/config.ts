// The SSE gateway's environment: the shared gateway variables plus its port, heartbeat and retry window.
import { z } from 'zod';
import { gatewayEnv, loadEnv, portEnv } from '@dish-live/fanout';

const int = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

export const sseEnv = {
  ...gatewayEnv,
  PORT: portEnv(8082),
  HEARTBEAT_MS: int(100, 15_000),
  RETRY_MIN_MS: int(0, 1000),
  RETRY_MAX_MS: int(0, 3000),
};

export type SseConfig = ReturnType<typeof loadSseConfig>;

export function loadSseConfig(env: NodeJS.ProcessEnv) {
  return loadEnv(sseEnv, env);
}
