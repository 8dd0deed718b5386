// Wires the SSE gateway: config → logger → redis → hub → server → shutdown.
import { EventLog } from '@dish-live/broker';
import { checkFileLimit, connectRedis, createInstanceId, createMetrics, Hub, onShutdown, SubscriptionAuth, waitUntil } from '@dish-live/fanout';
import { createSseApp, listen } from './app.js';
import { loadSseConfig } from './config.js';
import { createLogger } from './logger.js';
import { sseTransport } from './sse-transport.js';

async function main(): Promise<void> {
  const config = loadSseConfig(process.env);
  const instance = createInstanceId();
  const log = createLogger(config.LOG_LEVEL, instance);
  const auth = await SubscriptionAuth.create(config);
  checkFileLimit(config.MAX_CONNECTIONS, log);
  const redis = connectRedis(config.REDIS_URL, instance, log);
  const eventLog = new EventLog(redis.redis, {
    prefix: config.KEY_PREFIX, streamMaxLen: config.STREAM_MAXLEN, salesBucketMs: config.SALES_BUCKET_MS, salesRetentionMs: config.SALES_RETENTION_MS,
  });
  const metrics = createMetrics('sse');
  const hub = new Hub({
    log: eventLog, redis: redis.redis, subscriber: redis.subscriber, transport: sseTransport, logger: log, metrics, instance,
    ringSize: config.RING_SIZE, softLimitBytes: config.SOFT_LIMIT_BYTES, hardLimitBytes: config.HARD_LIMIT_BYTES, tickMs: config.TICK_MS,
  });
  await hub.start();
  const sse = createSseApp({ hub, config, metrics, log, auth });
  const { server, port } = await listen(sse.app, config.PORT, config.HOST);
  // A backstop under the per-request limits: sockets that never become a stream (idle keep-alives, half-sent requests)
  // cannot take the process past its descriptors either.
  server.maxConnections = config.MAX_CONNECTIONS + 256;
  log.info({ host: config.HOST, port, url: `http://${config.HOST}:${port}/sse`, tokens: auth.enabled ? (auth.required ? 'required' : 'optional') : 'off' }, 'sse-gateway listening');
  onShutdown(log, config.SHUTDOWN_GRACE_MS, [
    ['stop accepting', () => server.close()],
    ['end streams', () => sse.endAll()],
    ['drain', () => waitUntil(() => sse.streams.size === 0, Math.max(0, config.SHUTDOWN_GRACE_MS - 1000))],
    ['close sockets', () => server.closeAllConnections()],
    ['stop feed', () => hub.stop()],
    ['quit redis', () => redis.quit()],
  ]);
}

main().catch((err: Error) => {
  console.error(`sse-gateway: ${err.message}`);
  process.exit(1);
});
