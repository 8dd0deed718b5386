// Everything that touches Redis for events: the event log (atomic writes, replay, snapshot), the live feed, the
// restaurant registry and the upgrade of the first wave's keys.
export { EventLog, orderFingerprint } from './event-log.js';
export type { EventLogOptions, OrderOutcome, ReplayResult, StoredOutcome } from './event-log.js';
export { HistoryGoneError, type StateAt } from './history.js';
export { LiveFeed, type LiveFeedOptions, type ResetCause } from './feed.js';
export { ShardSubscriber, type ChannelListener, type Channels } from './shard-subscriber.js';
export { ClusterChannels, type ClusterChannelsOptions } from './cluster-channels.js';
export type { RedisClient } from './redis-client.js';
export { brokerKeys, registryKeys, restaurantTag, type BrokerKeys } from './keys.js';
export { Restaurants, RestaurantExistsError, tokenDigest } from './restaurants.js';
export { migrateFirstWave, MigrationConflictError, type MigrationProgress, type MigrationResult } from './first-wave.js';
export { RateLimiter, type RateLimit, type RateDecision } from './rate-limiter.js';
export { DishExistsError, DishNotFoundError, OrderMismatchError, ReplicationTimeoutError, VersionConflictError } from './errors.js';
