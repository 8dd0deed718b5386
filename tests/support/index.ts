// The test support kit that `tests/` and `bench/` share: Redis for a test, bounded waits, supervised child processes
// and the services among them, raw and recording clients of the gateways, memory readings, and the reliability figures.
export { testRedis, type TestRedis, type TestRedisAccess } from './redis.js';
export { RestartableRedis } from './restartable-redis.js';
export { restaurantsOnEveryPrimary, testRedisCluster, type TestRedisCluster } from './redis-cluster.js';
export { waitFor, within } from './wait.js';
export {
  describeExit, killAllStarted, stopAllStarted, supervise, waitForHttp, waitForOutput,
  type Exit, type SupervisedProcess,
} from './supervised-process.js';
export { failedStart, startDish, startService, type ServiceName, type ServiceProcess } from './service-process.js';
export { metric, startGateway, type Gateway, type GatewayKind } from './gateway.js';
export { events, SseClient, WsClient, type Received } from './message-clients.js';
export { deliveryProblems, RecordingClient, type Delivered } from './recording-client.js';
export { clock } from './raw-connection.js';
export { encodeFrame, OPCODES, openWs, RawWs, rawWsUntil } from './raw-ws.js';
export { openSseStream, RawSse } from './raw-sse.js';
export { httpRequest, probe } from './http-client.js';
export { accepted, requestBurst, wsChatBurst } from './rate-probes.js';
export { pushAsReads, splitAt } from './socket-reads.js';
export { rssBytes, settledRss } from './rss.js';
export { collectGarbage, INSPECT_FLAG, waitForInspector } from './inspector-gc.js';
export { heapUsed } from './inspector-heap.js';
export { heapSnapshot } from './inspector-snapshot.js';
export { recordFigures, type Figures } from './figures.js';
export { startDnsStub, type DnsStub } from './dns-stub.js';
export { startWebhookReceiver, type Answer, type Behaviour, type ReceivedAttempt, type WebhookReceiver } from './webhook-receiver.js';
export { notifierMetric, startNotifierProcess, type NotifierProcess } from './notifier-process.js';
export { ALERTS_DEPLOYMENT_TOKEN, expectedAlerts, startAlertsWorld, type AlertsWorld, type RegisteredWebhook } from './alerts-world.js';
export { dockerSuite } from './docker-gate.js';
