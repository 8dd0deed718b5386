// Wires the SSE gateway: config → the shared gateway core (logger, redis, admission, hub) → server → shutdown.
import { startGatewayCore } from '@dish-live/fanout';
import { listen, onShutdown, waitUntil } from '@dish-live/server';
import { createSseApp } from './app.js';
import { loadSseConfig } from './config.js';
import { sseTransport } from './sse-transport.js';

async function main(): Promise<void> {
  const config = loadSseConfig(process.env);
  const { log, auth, gate, metrics, hub, quitRedis } = await startGatewayCore('sse-gateway', config, sseTransport, { strictQuery: true });
  const sse = createSseApp({ hub, gate, config, metrics, log });
  const { server, port, url } = await listen(sse.handler, config.PORT, config.HOST);
  // A backstop under the per-request limits: sockets that never become a stream (idle keep-alives, half-sent requests)
  // cannot take the process past its descriptors either.
  server.maxConnections = config.MAX_CONNECTIONS + 256;
  log.info({ host: config.HOST, port, url: `${url}/sse`, tokens: auth.enabled ? (auth.required ? 'required' : 'optional') : 'off' }, 'sse-gateway listening');
  onShutdown(log, config.SHUTDOWN_GRACE_MS, [
    ['stop accepting', () => server.close()],
    ['end streams', () => sse.endAll()],
    ['drain', () => waitUntil(() => sse.streams.size === 0, Math.max(0, config.SHUTDOWN_GRACE_MS - 1000))],
    ['close sockets', () => server.closeAllConnections()],
    ['stop heartbeats', () => sse.stopHeartbeats()],
    ['stop feed', () => hub.stop()],
    ['quit redis', quitRedis],
  ]);
}

main().catch((err: Error) => {
  console.error(`sse-gateway: ${err.message}`);
  process.exit(1);
});
