// The WebSocket gateway's environment: the shared gateway variables plus its port, frame limit, idle timeout and chat rate.
import { z } from 'zod';
import { gatewayEnv, loadEnv, portEnv } from '@dish-live/fanout';

const int = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

export const wsEnv = {
  ...gatewayEnv,
  PORT: portEnv(8081),
  MAX_PAYLOAD_BYTES: int(256, 16 * 1024),
  IDLE_TIMEOUT_S: int(8, 32),
  CHAT_RATE: int(1, 5),
  CHAT_BURST: int(1, 10),
};

export type WsConfig = ReturnType<typeof loadWsConfig>;

export function loadWsConfig(env: NodeJS.ProcessEnv) {
  return loadEnv(wsEnv, env);
}
