// The transport-independent gateway core: a hub over one feed, the Transport interface adapters implement, config, metrics.
export { Hub } from './hub.js';
export { Connection } from './connection.js';
export { Group } from './group.js';
export type { Transport, Sink, CloseReason } from './transport.js';
export type { FanoutMetrics } from './metrics.js';
export { gatewayEnv, portEnv, loadEnv, originAllowed, sameOrigin } from './config.js';
export { feedConnectionName } from './redis.js';
export { onShutdown, waitUntil } from './shutdown.js';
export { createClientMessageHandler, grantedOptions, type ClientSession } from './client-messages.js';
export { SubscriptionAuth, OPEN_GRANT, requestToken, type Grant } from './subscription-auth.js';
export { ConnectionLimits } from './admission.js';
export { clientAddress } from './address.js';
export { isTrusted, trustProxyEnv } from './trusted-proxies.js';
export { SECURITY_HEADERS } from './security-headers.js';
export { healthAnswer, readyAnswer, type ProbeAnswer } from './probes.js';
export { openFilesLimit } from './file-limit.js';
export { startGatewayCore } from './gateway-core.js';
export type { Logger } from './logger.js';
