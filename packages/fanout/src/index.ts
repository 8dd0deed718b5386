// The transport-independent gateway core: a hub over the live restaurants, the Transport interface adapters implement,
// and the gateway's start (configuration, admission, metrics) on top of the server kit.
export { Hub } from './hub.js';
export type { RestaurantLease } from './restaurant-lease.js';
export { admitToRestaurant, type Entry } from './admission.js';
export { Connection } from './connection.js';
export { Group } from './group.js';
export type { Transport, Sink, CloseReason } from './transport.js';
export type { FanoutMetrics } from './metrics.js';
export { atLeast, gatewayEnv, loadGatewayEnv, type GatewayConfig } from './gateway-env.js';
export { createClientMessageHandler, type ClientSession } from './client-messages.js';
export { startGatewayCore, feedConnectionName, type GatewayCore } from './gateway-core.js';
