// Everything that touches Redis for events: the event log (atomic writes, replay, snapshot) and the live feed.
export { EventLog, orderFingerprint } from './event-log.js';
export type { EventLogOptions, OrderOutcome, ReplayResult, StoredOutcome } from './event-log.js';
export { LiveFeed, type LiveFeedOptions } from './feed.js';
export { brokerKeys, type BrokerKeys } from './keys.js';
export { RateLimiter, type RateLimit, type RateDecision } from './rate-limiter.js';
export { DishExistsError, DishNotFoundError, OrderMismatchError, VersionConflictError } from './errors.js';
