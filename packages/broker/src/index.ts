// Everything that touches Redis for events: the event log (atomic writes, replay, snapshot) and the live feed.
export { EventLog } from './event-log.js';
export type { EventLogOptions, OrderOutcome, ReplayResult } from './event-log.js';
export { LiveFeed, type LiveFeedOptions } from './feed.js';
export { brokerKeys, type BrokerKeys } from './keys.js';
export { RateLimiter, type RateLimit, type RateDecision } from './rate-limiter.js';
export { DishExistsError, DishNotFoundError, VersionConflictError } from './errors.js';
