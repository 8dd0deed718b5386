// The notifier's configuration: environment variables validated with zod, a bad one named in the error.
import { z } from 'zod';
import {
  ConfigError, durability, intEnv, loadEnv, portEnv, redisTarget, serviceEnv,
  type ConfigProblem, type Durability, type LogLevel, type RedisTarget,
} from '@dish-live/server';
import {
  BACKOFF_CAP_MS, DEFAULT_BACKOFF_MS, DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_MS, parseAllowHosts, parseDnsServers, parseSecretKey,
  SecretKeyError,
} from '@dish-live/webhooks';

/** A list the webhooks package parses; its error, which starts with the variable's name, is the issue's message. */
const webhookList = <T>(parse: (value: string | undefined) => T) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return parse(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^WEBHOOK_\w+: /, '') });
        return z.NEVER;
      }
    });

const envShape = {
  PORT: portEnv(3001),
  ...serviceEnv,
  /** host:port entries the address guard lets through (a receiver on a private network, a test's on loopback). */
  WEBHOOK_ALLOW_HOSTS: webhookList(parseAllowHosts),
  /** DNS servers the guard resolves webhook hosts through; unset: the system's resolver. */
  WEBHOOK_DNS_SERVERS: webhookList(parseDnsServers),
  /** Attempts per alert and webhook, the first included. */
  WEBHOOK_MAX_ATTEMPTS: intEnv(1, 100, DEFAULT_MAX_ATTEMPTS),
  /** The first retry's delay; each later one doubles it (with jitter), up to an hour. */
  WEBHOOK_BACKOFF_MS: intEnv(1, BACKOFF_CAP_MS, DEFAULT_BACKOFF_MS),
  /** One attempt, from connecting to the response's status: a receiver slower than this counts as failed. */
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

export interface Config {
  port: number;
  host: string;
  redis: RedisTarget;
  /** WRITE_MIN_REPLICAS: the logs are read only up to the events replicas confirmed, as the gateways read them. */
  durability: Durability;
  keyPrefix: string;
  logLevel: LogLevel;
  /** WEBHOOK_SECRET_KEY: opens the secrets the dish service sealed; unset when it stores them as is. */
  secretKey: Buffer | undefined;
  allowHosts: ReadonlySet<string>;
  dnsServers: string[];
  maxAttempts: number;
  backoffMs: number;
  timeoutMs: number;
  concurrency: number;
  lockMs: number;
  shutdownGraceMs: number;
}

/**
 * WEBHOOK_SECRET_KEY is read apart from loadEnv, which repeats a bad value in its error (hiding only tokens and
 * `*_SECRET`): this one is a key, so its error names the variable and never shows the value.
 */
function webhookSecretKey(env: NodeJS.ProcessEnv): { key?: Buffer; problem?: ConfigProblem } {
  try {
    return { key: parseSecretKey(env.WEBHOOK_SECRET_KEY) };
  } catch (err) {
    if (!(err instanceof SecretKeyError)) throw err;
    return { problem: { variable: 'WEBHOOK_SECRET_KEY', value: '***', message: err.message.replace(/^WEBHOOK_SECRET_KEY /, '') } };
  }
}

/** Reads the configuration; throws a ConfigError naming every bad variable. Empty values count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const secret = webhookSecretKey(env);
  let e: ReturnType<typeof loadEnv<typeof envShape>>;
  try {
    e = loadEnv(envShape, env);
  } catch (err) {
    throw err instanceof ConfigError && secret.problem ? new ConfigError([...err.problems, secret.problem]) : err;
  }
  if (secret.problem) throw new ConfigError([secret.problem]);
  return {
    port: e.PORT,
    host: e.HOST,
    redis: redisTarget(e),
    durability: durability(e),
    keyPrefix: e.KEY_PREFIX,
    logLevel: e.LOG_LEVEL,
    secretKey: secret.key,
    allowHosts: e.WEBHOOK_ALLOW_HOSTS,
    dnsServers: e.WEBHOOK_DNS_SERVERS,
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
