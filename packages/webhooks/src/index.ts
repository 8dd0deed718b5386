// @dish-live/webhooks: the core of Dish Live's out-of-band alerts — which stock changes raise which alerts, and how
// one alert reaches one webhook: the address guard, Standard Webhooks signing, one bounded delivery attempt, backoff.
export { ALERT_TYPES, DEFAULT_STOCK_THRESHOLD, alertTypeSchema, alertsFor, type AlertType } from './alert-rules.js';
export {
  alertId,
  alertPayload,
  alertPayloadSchema,
  webhookMessageId,
  type AlertPayload,
  type AlertSource,
} from './alert-message.js';
export {
  MAX_WEBHOOK_URL_LENGTH,
  checkWebhookUrl,
  parseAllowHosts,
  resolveAndCheck,
  type AddressCheck,
  type GuardOptions,
  type Lookup,
  type Refusal,
  type RefusalReason,
  type ResolveOptions,
  type UrlCheck,
} from './address-guard.js';
export type { AddressClass } from './blocked-addresses.js';
export {
  SECRET_PREFIX,
  newWebhookSecret,
  sign,
  webhookHeaders,
  type SignInput,
  type WebhookHeaders,
} from './signature.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_TIMEOUT_MS,
  deliverOnce,
  type DeliveryRequest,
  type DeliveryResult,
} from './deliver.js';
export { BACKOFF_CAP_MS, DEFAULT_BACKOFF_MS, DEFAULT_MAX_ATTEMPTS, backoffMs } from './backoff.js';
export { SecretKeyError, openSecret, parseSecretKey, sealSecret } from './secret-box.js';
export {
  DELIVERY_LOG_SIZE,
  MAX_WEBHOOKS_PER_RESTAURANT,
  WebhookLimitError,
  WebhookStore,
  webhookKeys,
  type DeliveryOutcome,
  type DeliveryRecord,
  type NewWebhook,
  type Webhook,
  type WebhookWithSecret,
} from './store.js';
export { dnsLookup, parseDnsServers } from './dns-lookup.js';
export type { CreatedWebhook } from './webhook-wire.js';
export { loadWithWebhookEnv, webhookEnvShape, type EnvError, type EnvProblem, type WebhookEnv } from './webhook-env.js';
export {
  NotifierState,
  notifierKeys,
  type FollowState,
  type StockChanges,
} from './notifier-keys.js';
export { alertBatch, type AlertBatch, type AlertJob, type AlertWebhook } from './alert-batch.js';
export { AlertFollower, type AlertFollowerOptions } from './alert-follower.js';
export { RestaurantFollower, type FollowerDeps, type FollowerLogger } from './restaurant-follower.js';
export {
  GONE_REASON,
  attemptDelivery,
  type AttemptOutcome,
  type AttemptResult,
  type DeliveryDeps,
} from './delivery-worker.js';
