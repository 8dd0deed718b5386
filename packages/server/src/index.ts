// The server kit every service shares: configuration, logging, Redis, HTTP answers (headers, problems, probes),
// metrics, shutdown, and the gateways' admission (origin, client address, connection limits, subscription tokens).
export {
  loadEnv, ConfigError, intEnv, boolEnv, portEnv, serviceEnv, subscriptionEnv, redisTarget, durability, LOG_LEVELS,
  type LogLevel, type ConfigProblem, type Durability,
} from './env.js';
export { allowedOriginsEnv, originAllowed, sameOrigin, type AllowedOrigins } from './origin.js';
export { clientAddress, normalizeAddress } from './address.js';
export { isTrusted, trustProxyEnv } from './trusted-proxies.js';
export { createLogger, throttledWarn, type Logger } from './logger.js';
export { createInstanceId } from './instance.js';
export {
  connectRedis, connectBlocking, describeRedis, isRedisUnavailable, redactRedisUrl, waitReady,
  type ClusterNode, type RedisTarget,
} from './redis.js';
export { SECURITY_HEADERS } from './security-headers.js';
export { HttpProblem, problemJson, sendProblem, statusLine, PROBLEM_CONTENT_TYPE, type Problem, type FieldError } from './problem.js';
export { healthAnswer, readyAnswer, RETRY_AFTER_SECONDS, type ProbeAnswer } from './probes.js';
export { createRegistry } from './metrics.js';
export { onShutdown, runSteps, waitUntil, type StopStep } from './shutdown.js';
export { listen, closeServer, type Listening } from './http-server.js';
export { checkFileLimit, openFilesLimit } from './file-limit.js';
export { ConnectionLimits } from './connection-limits.js';
export { SubscriptionAuth, OPEN_GRANT, requestToken, grantedOptions, restaurantAllowed, type Grant } from './subscription-auth.js';
export { Gate, type Admitted, type Refused, type RefusalReason, type AdmissionRequest } from './admit.js';
