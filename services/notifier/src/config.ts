// The notifier's configuration: environment variables validated with zod, a bad one named in the error.
import {
  ConfigError, durability, intEnv, loadEnv, portEnv, redisTarget, serviceEnv, type Durability, type LogLevel, type RedisTarget,
} from '@dish-live/server';
import {
  BACKOFF_CAP_MS, DEFAULT_BACKOFF_MS, DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_MS, loadWithWebhookEnv, webhookEnvShape, type WebhookEnv,
} from '@dish-live/webhooks';

const envShape = {
  PORT: portEnv(3001),
  ...serviceEnv,
  ...webhookEnvShape,
  /** Attempts per alert and webhook, the first included. */
  WEBHOOK_MAX_ATTEMPTS: intEnv(1, 100, DEFAULT_MAX_ATTEMPTS),
  /** The first retry's delay; each later one doubles it (with jitter), up to an hour. */
  WEBHOOK_BACKOFF_MS: intEnv(1, BACKOFF_CAP_MS, DEFAULT_BACKOFF_MS),
  /** One attempt, from its DNS lookup to the response's status: a receiver (or nameserver) slower than this fails it. */
  WEBHOOK_TIMEOUT_MS: intEnv(100, 60_000, DEFAULT_TIMEOUT_MS),
  /** Attempts in flight at once: a slow receiver holds one of these for at most WEBHOOK_TIMEOUT_MS. */
  WEBHOOK_CONCURRENCY: intEnv(1, 1000, 32),
  /**
   * How long an attempt whose notifier died (SIGKILL, a lost host) stays with it before another worker (or the restarted
   * one) tries it again; a live worker renews it while the attempt runs, so it need not cover an attempt's length.
   */
  WEBHOOK_LOCK_MS: intEnv(1000, 600_000, 30_000),
  /** How long a stop waits for attempts in flight before it cuts them (they are tried again after WEBHOOK_LOCK_MS). */
  SHUTDOWN_GRACE_MS: intEnv(1000, 120_000, 15_000),
};

/** WEBHOOK_SECRET_KEY opens the secrets the dish service sealed; unset when it stores them as is. */
export interface Config extends WebhookEnv {
  port: number;
  host: string;
  redis: RedisTarget;
  /** WRITE_MIN_REPLICAS: the logs are read only up to the events replicas confirmed, as the gateways read them. */
  durability: Durability;
  keyPrefix: string;
  logLevel: LogLevel;
  maxAttempts: number;
  backoffMs: number;
  timeoutMs: number;
  concurrency: number;
  lockMs: number;
  shutdownGraceMs: number;
}

/** Reads the configuration; throws a ConfigError naming every bad variable. Empty values count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const { e, webhooks } = loadWithWebhookEnv(env, (vars) => loadEnv(envShape, vars), ConfigError);
  return {
    ...webhooks,
    port: e.PORT,
    host: e.HOST,
    redis: redisTarget(e),
    durability: durability(e),
    keyPrefix: e.KEY_PREFIX,
    logLevel: e.LOG_LEVEL,
    maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
    backoffMs: e.WEBHOOK_BACKOFF_MS,
    timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    concurrency: e.WEBHOOK_CONCURRENCY,
    lockMs: e.WEBHOOK_LOCK_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
  };
}

/** For the entry point: a bad configuration is one line on stderr naming the variables, then exit code 2. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${JSON.stringify({ level: 60, msg: err.message, problems: err.problems })}\n`);
    process.exit(2);
  }
}
