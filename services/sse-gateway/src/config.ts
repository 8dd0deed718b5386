// The SSE gateway's environment: the shared gateway variables plus its port, heartbeat and retry window.
import { atLeast, loadGatewayEnv } from '@dish-live/fanout';
import { portEnv } from '@dish-live/server';

export const loadSseConfig = (env: NodeJS.ProcessEnv) =>
  loadGatewayEnv({ PORT: portEnv(8082), HEARTBEAT_MS: atLeast(100, 15_000), RETRY_MIN_MS: atLeast(0, 1000), RETRY_MAX_MS: atLeast(0, 3000) }, env);

export type SseConfig = ReturnType<typeof loadSseConfig>;
