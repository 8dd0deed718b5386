// The WebSocket gateway's environment: the shared gateway variables plus its port, frame limit, idle timeout and chat rate.
import { atLeast, loadGatewayEnv } from '@dish-live/fanout';
import { portEnv } from '@dish-live/server';

export const loadWsConfig = (env: NodeJS.ProcessEnv) =>
  loadGatewayEnv({ PORT: portEnv(8081), MAX_PAYLOAD_BYTES: atLeast(256, 16 * 1024), IDLE_TIMEOUT_S: atLeast(8, 32), CHAT_RATE: atLeast(1, 5), CHAT_BURST: atLeast(1, 10) }, env);

export type WsConfig = ReturnType<typeof loadWsConfig>;
