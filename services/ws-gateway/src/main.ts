// Wires the WebSocket gateway: native uWS check → config → the shared gateway core (logger, redis, admission, hub) → server → shutdown.
import { RateLimiter } from '@dish-live/broker';
import { startGatewayCore } from '@dish-live/fanout';
import { onShutdown, waitUntil } from '@dish-live/server';
import { createWsApp, listen } from './app.js';
import { loadWsConfig } from './config.js';
import { loadNativeUws } from './uws.js';
import { WsTransport } from './ws-transport.js';

async function main(): Promise<void> {
  const uws = loadNativeUws();
  const config = loadWsConfig(process.env);
  // The app first: the transport publishes through it, and the hub it feeds serves the app's sockets.
  const app = uws.App();
  const { log, auth, gate, limits, redis, metrics, hub, quitRedis } = await startGatewayCore('ws-gateway', config, new WsTransport(app), { strictQuery: false });
  const chatLimiter = new RateLimiter(redis, config.KEY_PREFIX);
  const { openSockets } = createWsApp({
    app, hub, gate, limits, config, metrics, log, auth, chatLimiter,
  });
  const { socket, port } = await listen(uws, app, config.HOST, config.PORT);
  log.info({ host: config.HOST, port, url: `ws://${config.HOST}:${port}/ws`, tokens: auth.enabled ? (auth.required ? 'required' : 'optional') : 'off' }, 'ws-gateway listening');
  onShutdown(log, config.SHUTDOWN_GRACE_MS, [
    ['stop accepting', () => uws.us_listen_socket_close(socket)],
    ['close clients (1012)', () => hub.closeAll('restart')],
    ['drain', () => waitUntil(() => openSockets() === 0, Math.max(0, config.SHUTDOWN_GRACE_MS - 1000))],
    ['stop feed', () => hub.stop()],
    ['quit redis', quitRedis],
  ]);
}

main().catch((err: Error) => {
  console.error(`ws-gateway: ${err.message}`);
  process.exit(1);
});
