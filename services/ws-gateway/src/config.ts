// The WebSocket gateway's environment: the shared gateway variables plus its port, frame limit, idle timeout and chat rate.
import { gatewayEnv } from '@dish-live/fanout';
import { intEnv, loadEnv, portEnv } from '@dish-live/server';

export const wsEnv = {
  ...gatewayEnv,
  PORT: portEnv(8081),
  MAX_PAYLOAD_BYTES: intEnv(256, Infinity, 16 * 1024),
  IDLE_TIMEOUT_S: intEnv(8, Infinity, 32),
  CHAT_RATE: intEnv(1, Infinity, 5),
  CHAT_BURST: intEnv(1, Infinity, 10),
};

export type WsConfig = ReturnType<typeof loadWsConfig>;

export function loadWsConfig(env: NodeJS.ProcessEnv) {
  return loadEnv(wsEnv, env);
}
