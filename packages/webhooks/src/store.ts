// Where webhooks live: each restaurant's webhooks and their delivery logs under the restaurant's hash tag (one shard
// holds a restaurant's events and its webhooks), and a deployment-wide index of the restaurants that have any, so the
// notifier follows only those logs.
import { randomBytes } from 'node:crypto';
import { brokerKeys, type RedisClient } from '@dish-live/broker';
import type { AlertType } from './alert-rules.js';
import type { DeliveryRecord, Webhook } from './webhook-wire.js';
import { openSecret, sealSecret } from './secret-box.js';
import { newWebhookSecret } from './signature.js';

// The shapes the routes answer with live in the browser-safe entry (@dish-live/webhooks/wire); re-exported for the services.
export type { DeliveryOutcome, DeliveryRecord, Webhook } from './webhook-wire.js';

/** Per restaurant: enough for a few phones, a chat tool and an automation, small enough to deliver each alert to all at once. */
export const MAX_WEBHOOKS_PER_RESTAURANT = 20;
/** Attempts kept per webhook, newest first: enough to see the last few alerts' whole retry history. */
export const DELIVERY_LOG_SIZE = 100;
/** A delivery log whose webhook stopped getting alerts goes away after a week. */
const DELIVERY_LOG_TTL_MS = 7 * 24 * 3600_000;

export interface WebhookWithSecret extends Webhook {
  secret: string;
}

export interface NewWebhook {
  url: string;
  events: AlertType[];
  threshold: number;
}

export class WebhookLimitError extends Error {
  constructor(readonly limit: number) {
    super(`a restaurant has at most ${limit} webhooks`);
  }
}

interface StoredWebhook extends Omit<Webhook, 'disabled' | 'createdAt'> {
  secret: string;
  /** Ms since the epoch on Redis's clock (an ISO string in webhooks stored before that). */
  createdAt: number | string;
}

// KEYS[1] webhooks; ARGV[1] id, ARGV[2] the webhook's JSON with `"createdAt":0` first, ARGV[3] the limit. Answers the
// creation time (Redis's clock, the clock of the stream ids it is compared with), or -1 past the limit.
const CREATE = `if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return -1 end
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], (string.gsub(ARGV[2], '"createdAt":0', '"createdAt":' .. ms, 1)))
return ms`;
// KEYS[1] webhooks, KEYS[2] disabled: how many webhooks are not disabled.
const ENABLED = `return redis.call('HLEN', KEYS[1]) - redis.call('HLEN', KEYS[2])`;
const DISABLE = `if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) return 1 end return 0`;

export function webhookKeys(prefix: string, restaurant: string) {
  const { base } = brokerKeys(prefix, restaurant);
  return {
    /** Hash: webhook id → its JSON, the secret sealed. */
    webhooks: `${base}webhooks`,
    /** Hash: webhook id → `{at, reason}` once disabled. */
    disabled: `${base}webhooks:disabled`,
    deliveries: (id: string) => `${base}webhook:${id}:deliveries`,
  };
}

export class WebhookStore {
  /** Set of the restaurant ids that have at least one webhook. */
  readonly index: string;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix = '',
    /** WEBHOOK_SECRET_KEY (parseSecretKey); without it secrets are kept as is. */
    private readonly secretKey?: Buffer,
  ) {
    this.index = `${prefix}{dl:webhooks}`;
  }

  /** Registers a webhook and answers it with its secret, which no later read shows again. */
  async create(restaurant: string, input: NewWebhook): Promise<WebhookWithSecret> {
    const keys = webhookKeys(this.prefix, restaurant);
    const secret = newWebhookSecret();
    const id = `wh_${randomBytes(12).toString('base64url')}`;
    // createdAt first, so the script's substitution cannot meet a URL (a quote inside a JSON string is escaped anyway).
    const stored = { createdAt: 0, id, url: input.url, events: input.events, threshold: input.threshold, secret: sealSecret(secret, this.secretKey) };
    // Counted and added in one script, so two registrations at once cannot pass the limit together.
    const createdAt = Number(await this.redis.eval(CREATE, 1, keys.webhooks, id, JSON.stringify(stored), MAX_WEBHOOKS_PER_RESTAURANT));
    if (createdAt < 0) throw new WebhookLimitError(MAX_WEBHOOKS_PER_RESTAURANT);
    // Indexed after it exists, so the notifier never looks for a restaurant with nothing to deliver to.
    await this.redis.sadd(this.index, restaurant);
    return { ...withoutSecret({ ...stored, createdAt }, null), secret };
  }

  /** A restaurant's webhooks without their secrets, oldest first. */
  async list(restaurant: string): Promise<Webhook[]> {
    const keys = webhookKeys(this.prefix, restaurant);
    const [stored, disabled] = await Promise.all([this.redis.hvals(keys.webhooks), this.redis.hgetall(keys.disabled)]);
    return stored
      .map((json) => JSON.parse(json) as StoredWebhook)
      .map((webhook) => withoutSecret(webhook, parseDisabled(disabled[webhook.id])))
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  }

  /** One webhook with its secret opened, for signing; undefined once removed. */
  async get(restaurant: string, id: string): Promise<WebhookWithSecret | undefined> {
    const keys = webhookKeys(this.prefix, restaurant);
    const [json, disabled] = await Promise.all([this.redis.hget(keys.webhooks, id), this.redis.hget(keys.disabled, id)]);
    if (!json) return undefined;
    const stored = JSON.parse(json) as StoredWebhook;
    return { ...withoutSecret(stored, parseDisabled(disabled ?? undefined)), secret: openSecret(stored.secret, this.secretKey) };
  }

  /** Removes a webhook and its delivery log; false when there was none. */
  async remove(restaurant: string, id: string): Promise<boolean> {
    const keys = webhookKeys(this.prefix, restaurant);
    const [[, removed], , , [, left]] = (await this.redis
      .multi()
      .hdel(keys.webhooks, id)
      .hdel(keys.disabled, id)
      .del(keys.deliveries(id))
      .hlen(keys.webhooks)
      .exec()) as [[null, number], unknown, unknown, [null, number]];
    if (left === 0) await this.#unindexIfIdle(restaurant);
    return removed === 1;
  }

  /** Marks a webhook disabled (a 410); nothing happens to one removed meanwhile. */
  async disable(restaurant: string, id: string, reason: string): Promise<void> {
    const keys = webhookKeys(this.prefix, restaurant);
    await this.redis.eval(DISABLE, 2, keys.webhooks, keys.disabled, id, JSON.stringify({ at: new Date().toISOString(), reason }));
    await this.#unindexIfIdle(restaurant);
  }

  /**
   * Takes a restaurant whose webhooks are all removed or disabled out of the index, so the notifier stops following
   * it. The index is on another shard, so this cannot be one transaction with the hashes: a webhook created between
   * the count and the SREM would leave its restaurant unfollowed, so it is counted again afterwards.
   */
  async #unindexIfIdle(restaurant: string): Promise<void> {
    const keys = webhookKeys(this.prefix, restaurant);
    const enabled = async () => Number(await this.redis.eval(ENABLED, 2, keys.webhooks, keys.disabled));
    if ((await enabled()) > 0) return;
    await this.redis.srem(this.index, restaurant);
    if ((await enabled()) > 0) await this.redis.sadd(this.index, restaurant);
  }

  /** Appends one attempt to the webhook's delivery log, which keeps the newest DELIVERY_LOG_SIZE. */
  async recordDelivery(restaurant: string, id: string, record: DeliveryRecord): Promise<void> {
    const key = webhookKeys(this.prefix, restaurant).deliveries(id);
    await this.redis
      .multi()
      .lpush(key, JSON.stringify(record))
      .ltrim(key, 0, DELIVERY_LOG_SIZE - 1)
      .pexpire(key, DELIVERY_LOG_TTL_MS)
      .exec();
  }

  /** The webhook's recent attempts, newest first. */
  async deliveries(restaurant: string, id: string): Promise<DeliveryRecord[]> {
    const entries = await this.redis.lrange(webhookKeys(this.prefix, restaurant).deliveries(id), 0, DELIVERY_LOG_SIZE - 1);
    return entries.map((json) => JSON.parse(json) as DeliveryRecord);
  }

  /** The restaurants that have at least one webhook, sorted. */
  async restaurants(): Promise<string[]> {
    return (await this.redis.smembers(this.index)).sort();
  }
}

function withoutSecret({ id, url, events, threshold, createdAt }: StoredWebhook, disabled: Webhook['disabled']): Webhook {
  return { id, url, events, threshold, createdAt: typeof createdAt === 'number' ? new Date(createdAt).toISOString() : createdAt, disabled };
}

function parseDisabled(json: string | undefined): Webhook['disabled'] {
  return json ? (JSON.parse(json) as { at: string; reason: string }) : null;
}
