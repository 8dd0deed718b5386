// The transport-independent gateway core: a hub over one feed, the Transport interface adapters implement, config, metrics.
export { Hub, DEFAULT_TICK_MS, type HubOptions } from './hub.js';
export { Connection, type ConnectionMode } from './connection.js';
export { Group } from './group.js';
export type { Transport, Sink, CloseReason } from './transport.js';
export { createMetrics, type FanoutMetrics } from './metrics.js';
export { gatewayEnv, portEnv, loadEnv, originAllowed, ConfigError } from './config.js';
export { connectRedis, feedConnectionName, type GatewayRedis } from './redis.js';
export { onShutdown, waitUntil, type ShutdownStep } from './shutdown.js';
export { createClientMessageHandler, grantedOptions, type ClientMessageHandler, type ClientSession } from './client-messages.js';
export { SubscriptionAuth, effectiveCategories, OPEN_GRANT, type Grant, type AuthResult } from './subscription-auth.js';
export { ConnectionLimits, clientAddress, parseTrustProxy, normalizeAddress, type Admission, type TrustProxy } from './admission.js';
export { SECURITY_HEADERS } from './security-headers.js';
export { checkFileLimit, openFilesLimit } from './file-limit.js';
export { createInstanceId } from './instance.js';
export { RingBuffer } from './ring-buffer.js';
export { View } from './view.js';
export { Conflation } from './conflation.js';
export type { Logger, LogFn } from './logger.js';
