// The webhook variables both services read — the dish service to check and seal at registration, the notifier to
// check and open at delivery — parsed in one place, so the two can never disagree on what a value means.
import { z } from 'zod';
import { parseAllowHosts } from './address-guard.js';
import { parseDnsServers } from './dns-lookup.js';
import { parseSecretKey, SecretKeyError } from './secret-box.js';

/** A list this package parses; its error, which starts with the variable's name, is the issue's message. */
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

/** The zod fragment a service spreads into its environment shape. */
export const webhookEnvShape = {
  /** `host:port` entries whose webhook URLs skip the address guard (a receiver on the deployment's own network). */
  WEBHOOK_ALLOW_HOSTS: webhookList(parseAllowHosts),
  /** DNS servers the guard resolves webhook hosts through; unset: the system's nameservers and /etc/hosts. */
  WEBHOOK_DNS_SERVERS: webhookList(parseDnsServers),
};

type WebhookVars = z.infer<z.ZodObject<typeof webhookEnvShape>>;

/** What the webhook variables configure, parsed. */
export interface WebhookEnv {
  /** WEBHOOK_SECRET_KEY: seals (dish service) and opens (notifier) webhook secrets; unset: they are stored as is. */
  secretKey: Buffer | undefined;
  allowHosts: ReadonlySet<string>;
  dnsServers: string[];
}

/** A bad variable as the server kit's ConfigError lists it. */
export interface EnvProblem {
  variable: string;
  value: string;
  message: string;
}

/** The server kit's ConfigError (this package does not depend on the kit). */
export type EnvError = new (problems: EnvProblem[]) => Error & { problems: EnvProblem[] };

/**
 * Runs the service's `load` (loadEnv over a shape holding webhookEnvShape) and reads WEBHOOK_SECRET_KEY beside it:
 * loadEnv repeats a bad value in its error (hiding only tokens and `*_SECRET`), and this one is a key, so its error
 * names the variable and never shows the value. Every bad variable is in the one `Fail` thrown.
 */
export function loadWithWebhookEnv<E extends WebhookVars>(
  env: NodeJS.ProcessEnv,
  load: (env: NodeJS.ProcessEnv) => E,
  Fail: EnvError,
): { e: E; webhooks: WebhookEnv } {
  const secret = webhookSecretKey(env);
  let e: E;
  try {
    e = load(env);
  } catch (err) {
    throw err instanceof Fail && secret.problem ? new Fail([...err.problems, secret.problem]) : err;
  }
  if (secret.problem) throw new Fail([secret.problem]);
  return { e, webhooks: { secretKey: secret.key, allowHosts: e.WEBHOOK_ALLOW_HOSTS, dnsServers: e.WEBHOOK_DNS_SERVERS } };
}

function webhookSecretKey(env: NodeJS.ProcessEnv): { key?: Buffer; problem?: EnvProblem } {
  try {
    return { key: parseSecretKey(env.WEBHOOK_SECRET_KEY) };
  } catch (err) {
    if (!(err instanceof SecretKeyError)) throw err;
    return { problem: { variable: 'WEBHOOK_SECRET_KEY', value: '***', message: err.message.replace(/^WEBHOOK_SECRET_KEY /, '') } };
  }
}
