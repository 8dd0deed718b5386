// One delivery attempt of one alert job: the webhook read again, its address checked again, the message signed afresh,
// one bounded POST, and the attempt written to the webhook's delivery log.
import { resolveAndCheck, type Lookup } from './address-guard.js';
import type { AlertJob } from './alert-batch.js';
import { DEFAULT_MAX_BODY_BYTES, deliverOnce, type DeliveryRequest, type DeliveryResult } from './deliver.js';
import { SecretKeyError } from './secret-box.js';
import { webhookHeaders } from './signature.js';
import type { DeliveryOutcome, DeliveryRecord, WebhookStore, WebhookWithSecret } from './store.js';

/** Where a delivered attempt that could not be logged is told (the notifier's logger). */
export interface DeliveryLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface DeliveryDeps {
  store: WebhookStore;
  /** WEBHOOK_ALLOW_HOSTS, parsed. */
  allowHosts?: ReadonlySet<string>;
  /** WEBHOOK_DNS_SERVERS' resolver; the system's without. */
  lookup?: Lookup | undefined;
  /** WEBHOOK_TIMEOUT_MS: one attempt, from its DNS lookup to the response's status and headers. */
  timeoutMs: number;
  maxBodyBytes?: number;
  /** Replaces deliverOnce (tests). */
  deliver?: (request: DeliveryRequest) => Promise<DeliveryResult>;
  logger?: DeliveryLogger;
}

/** A delivery log outcome, or `dropped`: the webhook was removed or disabled, so nothing was tried or recorded. */
export type AttemptOutcome = DeliveryOutcome | 'dropped';

export interface AttemptResult {
  outcome: AttemptOutcome;
  status: number | null;
  error: string | null;
  /** How long the POST took (none when no POST was sent). */
  ms?: number;
}

/** What the 410's webhook is marked with. */
export const GONE_REASON = 'the receiver answered 410 Gone';

/** After a delivered attempt's log entry failed: when it is written again (ms after the failure, cumulative gaps). */
const RERECORD_DELAYS_MS = [250, 1000, 4000, 15_000, 60_000];

/**
 * Attempt `attempt` of `maxAttempts`. Never throws for what the receiver, DNS or the guard did (that is the result);
 * throws when Redis cannot be reached before a POST was sent, and the queue tries again. Once a receiver answered 2xx
 * it never throws: a retry would POST the alert again, so a log entry Redis did not take is written again later. `retrying` and `failed` are the ones the queue
 * retries or gives up on; `refused` is final, since the same address would be refused again.
 */
export async function attemptDelivery(job: AlertJob, attempt: number, maxAttempts: number, deps: DeliveryDeps): Promise<AttemptResult> {
  const failure = attempt >= maxAttempts ? 'failed' : 'retrying';
  let webhook: WebhookWithSecret | undefined;
  try {
    webhook = await deps.store.get(job.restaurant, job.webhookId);
  } catch (err) {
    // The secret cannot be opened (WEBHOOK_SECRET_KEY missing or changed): an operator can fix it before the last try.
    if (!(err instanceof SecretKeyError)) throw err;
    return record(deps, job, attempt, { outcome: failure, status: null, error: err.message });
  }
  if (!webhook || webhook.disabled) return { outcome: 'dropped', status: null, error: null };

  // One deadline from the lookup on: a name whose nameserver never answers costs this attempt its budget, no more.
  const signal = AbortSignal.timeout(deps.timeoutMs);
  const check = await resolveAndCheck(webhook.url, { allowHosts: deps.allowHosts, lookup: deps.lookup, signal });
  if (!check.ok) {
    // A name that does not resolve now may again later (a DNS outage): retried. An address the guard refuses is not.
    const outcome = check.reason === 'unresolvable' ? failure : 'refused';
    return record(deps, job, attempt, { outcome, status: null, error: `${check.reason}: ${check.detail}` });
  }
  const body = JSON.stringify(job.payload);
  const result = await (deps.deliver ?? deliverOnce)({
    url: check.url,
    address: check.address,
    // The same webhook-id on every attempt, a fresh timestamp and signature on each.
    headers: { ...webhookHeaders({ id: job.messageId, body, secret: webhook.secret }) },
    body,
    timeoutMs: deps.timeoutMs,
    signal,
    maxBodyBytes: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
  });
  if (result.gone) await deps.store.disable(job.restaurant, job.webhookId, GONE_REASON);
  const outcome = result.ok ? 'delivered' : result.gone ? 'gone' : failure;
  const attempted: AttemptResult & { outcome: DeliveryOutcome } = { outcome, status: result.status, error: result.error ?? null, ms: result.ms };
  if (outcome !== 'delivered') return record(deps, job, attempt, attempted);
  const entry = logEntry(job, attempt, attempted);
  await deps.store.recordDelivery(job.restaurant, job.webhookId, entry).catch((err: unknown) => recordLater(deps, entry, job, err, 0));
  return attempted;
}

async function record(deps: DeliveryDeps, job: AlertJob, attempt: number, result: AttemptResult & { outcome: DeliveryOutcome }): Promise<AttemptResult> {
  await deps.store.recordDelivery(job.restaurant, job.webhookId, logEntry(job, attempt, result));
  return result;
}

function logEntry(job: AlertJob, attempt: number, result: AttemptResult & { outcome: DeliveryOutcome }): DeliveryRecord {
  return {
    alertId: job.alertId,
    type: job.type,
    messageId: job.messageId,
    attempt,
    status: result.status,
    error: result.error,
    outcome: result.outcome,
    at: new Date().toISOString(),
  };
}

/** Writes a delivered attempt's entry again in the background (unref'd timers: a stopping notifier does not wait). */
function recordLater(deps: DeliveryDeps, entry: DeliveryRecord, job: AlertJob, err: unknown, tried: number): void {
  const delay = RERECORD_DELAYS_MS[tried];
  const details = { restaurant: job.restaurant, webhook: job.webhookId, alert: job.alertId, err: (err as Error).message ?? String(err) };
  if (delay === undefined) {
    deps.logger?.warn(details, 'a delivered attempt was never written to the delivery log');
    return;
  }
  if (tried === 0) deps.logger?.warn(details, 'delivered, but the delivery log did not take the entry; writing it again later');
  setTimeout(() => {
    deps.store.recordDelivery(job.restaurant, job.webhookId, entry).catch((again: unknown) => recordLater(deps, entry, job, again, tried + 1));
  }, delay).unref();
}
