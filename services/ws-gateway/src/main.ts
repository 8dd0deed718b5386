// Wires the WebSocket gateway: native uWS check → config → logger → redis → hub → server → shutdown.
import { EventLog, RateLimiter } from '@dish-live/broker';
import { checkFileLimit, connectRedis, createInstanceId, createMetrics, Hub, onShutdown, SubscriptionAuth, waitUntil } from '@dish-live/fanout';
import { createWsApp, listen } from './app.js';
import { loadWsConfig } from './config.js';
import { createLogger } from './logger.js';
import { loadNativeUws } from './uws.js';
import { WsTransport } from './ws-transport.js';

async function main(): Promise<void> {
  const uws = loadNativeUws();
  const config = loadWsConfig(process.env);
  const instance = createInstanceId();
  const log = createLogger(config.LOG_LEVEL, instance);
  const auth = await SubscriptionAuth.create(config);
  checkFileLimit(config.MAX_CONNECTIONS, log);
  const redis = connectRedis(config.REDIS_URL, instance, log);
  const eventLog = new EventLog(redis.redis, {
    prefix: config.KEY_PREFIX, streamMaxLen: config.STREAM_MAXLEN, salesBucketMs: config.SALES_BUCKET_MS, salesRetentionMs: config.SALES_RETENTION_MS,
  });
  const metrics = createMetrics('ws');
  const transport = new WsTransport();
  const hub = new Hub({
    log: eventLog, redis: redis.redis, subscriber: redis.subscriber, transport, logger: log, metrics, instance,
    ringSize: config.RING_SIZE, softLimitBytes: config.SOFT_LIMIT_BYTES, hardLimitBytes: config.HARD_LIMIT_BYTES, tickMs: config.TICK_MS,
  });
  await hub.start();
  const chatLimiter = new RateLimiter(redis.redis, config.KEY_PREFIX);
  const { app, openSockets } = createWsApp({
    uws, hub, transport, config, metrics, log, auth, chatLimiter, appendChat: (chat) => eventLog.appendChat(chat),
  });
  const { socket, port } = await listen(uws, app, config.HOST, config.PORT);
  log.info({ host: config.HOST, port, url: `ws://${config.HOST}:${port}/ws`, tokens: auth.enabled ? (auth.required ? 'required' : 'optional') : 'off' }, 'ws-gateway listening');
  onShutdown(log, config.SHUTDOWN_GRACE_MS, [
    ['stop accepting', () => uws.us_listen_socket_close(socket)],
    ['close clients (1012)', () => hub.closeAll('restart')],
    ['drain', () => waitUntil(() => openSockets() === 0, Math.max(0, config.SHUTDOWN_GRACE_MS - 1000))],
    ['stop feed', () => hub.stop()],
    ['quit redis', () => redis.quit()],
  ]);
}

main().catch((err: Error) => {
  console.error(`ws-gateway: ${err.message}`);
  process.exit(1);
});
