// The wire contract of Dish Live: types, zod schemas, frame codecs and codes. No I/O.
export * from './stream-id.js';
export * from './limits.js';
export * from './dish.js';
export * from './event-types.js';
export * from './events.js';
export * from './sales.js';
export * from './codes.js';
export * from './messages.js';
export * from './subscription.js';
export * from './ws-frame.js';
export * from './sse-frame.js';
export * from './sales-buckets.js';
export * from './restaurant-id.js';
export * from './restaurant.js';
export * from './digest.js';
