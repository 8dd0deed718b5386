// The wire contract's runtime values without its validators (`@dish-live/protocol/wire`): what a browser client needs,
// so that its bundle carries no zod. Types come from the package's main entry, which costs a bundle nothing.
export * from './stream-id.js';
export * from './limits.js';
export * from './codes.js';
export * from './event-types.js';
export * from './sales-buckets.js';
export * from './restaurant-id.js';
export * from './digest.js';
