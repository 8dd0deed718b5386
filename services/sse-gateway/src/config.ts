// The SSE gateway's environment: the shared gateway variables plus its port, heartbeat and retry window.
import { gatewayEnv } from '@dish-live/fanout';
import { intEnv, loadEnv, portEnv } from '@dish-live/server';

export const sseEnv = {
  ...gatewayEnv,
  PORT: portEnv(8082),
  HEARTBEAT_MS: intEnv(100, Infinity, 15_000),
  RETRY_MIN_MS: intEnv(0, Infinity, 1000),
  RETRY_MAX_MS: intEnv(0, Infinity, 3000),
};

export type SseConfig = ReturnType<typeof loadSseConfig>;

export function loadSseConfig(env: NodeJS.ProcessEnv) {
  return loadEnv(sseEnv, env);
}
