// What every alert test starts with: a webhook receiver on 127.0.0.1, a real dish service and a real notifier (both let
// through to the receiver's port by WEBHOOK_ALLOW_HOSTS), one restaurant of the test's own, and the API calls the tests
// make: register a webhook (its secret handed to the receiver), write stock, place an order and wait for its outcome.
import { alertsFor, type AlertType } from '@dish-live/webhooks';
import { startNotifierProcess, type NotifierProcess } from './notifier-process.js';
import { testRedis, type TestRedisAccess } from './redis.js';
import { startDish, type ServiceProcess } from './service-process.js';
import { waitFor } from './wait.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

export interface AlertsWorldOptions {
  /** Names the test's Redis key prefix. */
  name: string;
  restaurant: string;
  dishEnv?: Record<string, string>;
  notifierEnv?: Record<string, string>;
  /** host:port entries WEBHOOK_ALLOW_HOSTS lets through besides the receiver (both services). */
  allowHosts?: string[];
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
  text: string;
}

export interface RegisteredWebhook {
  id: string;
  url: string;
  secret: string;
  path: string;
}

export interface AlertsWorld {
  redis: TestRedisAccess;
  receiver: WebhookReceiver;
  dish: ServiceProcess;
  notifier: NotifierProcess;
  restaurant: string;
  /** The environment the notifier was started with, to start it again. */
  notifierEnv: Record<string, string>;
  api<T = Record<string, unknown>>(method: string, path: string, json?: unknown): Promise<ApiAnswer<T>>;
  /** Registers `receiver.url(path)` (or `url`) for the restaurant; the receiver learns its secret. */
  register(path: string, options?: { events?: AlertType[]; threshold?: number; url?: string }): Promise<RegisteredWebhook>;
  /** Resolves once the notifier follows `count` restaurants and knows its place in each: alerts begin there. */
  following(count?: number): Promise<void>;
  createDish(id: string, stock: number): Promise<void>;
  /** PATCHes the stock; resolves with the dish's stock as the API answered it. */
  setStock(id: string, stock: number): Promise<number>;
  /** Places an order and waits for its outcome; resolves with whether it was applied. */
  order(orderId: string, dishId: string, qty: number): Promise<boolean>;
  startNotifier(extraEnv?: Record<string, string>): Promise<NotifierProcess>;
}

/** Fails the test with the answer's text unless `ok`. */
function must(ok: boolean, what: string, answer: { status: number; text: string }): void {
  if (!ok) throw new Error(`${what}: HTTP ${answer.status} ${answer.text.slice(0, 500)}`);
}

export const ALERTS_DEPLOYMENT_TOKEN = 'alerts-deployment-token-7f3e';

export async function startAlertsWorld(options: AlertsWorldOptions): Promise<AlertsWorld> {
  const redis = testRedis(options.name);
  const receiver = await startWebhookReceiver();
  const allow = [`127.0.0.1:${receiver.port}`, ...(options.allowHosts ?? [])].join(',');
  const common = { ...redis.env, KEY_PREFIX: redis.prefix };
  const dish = await startDish({ ...common, DISH_API_TOKENS: ALERTS_DEPLOYMENT_TOKEN, WRITE_RATE_PER_SEC: '0', WEBHOOK_ALLOW_HOSTS: allow, ...options.dishEnv });
  const notifierEnv = { ...common, WEBHOOK_ALLOW_HOSTS: allow, ...options.notifierEnv };
  const restaurant = options.restaurant;
  let token = ALERTS_DEPLOYMENT_TOKEN;

  async function api<T>(method: string, path: string, json?: unknown): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${dish.url}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, text };
  }
  const base = `/api/restaurants/${restaurant}`;
  const created = await api<{ token: string }>('POST', '/api/restaurants', { id: restaurant, name: restaurant });
  must(created.status === 201, `creating restaurant ${restaurant}`, created);
  // The restaurant's own write token from here on, as its manager would use it.
  token = created.body.token;

  const world: AlertsWorld = {
    redis,
    receiver,
    dish,
    notifier: await startNotifierProcess(notifierEnv),
    restaurant,
    notifierEnv,
    api,
    async register(path, registration = {}) {
      const { url = receiver.url(path), ...rest } = registration;
      const res = await api<{ id: string; url: string; secret: string }>('POST', `${base}/webhooks`, { url, ...rest });
      must(res.status === 201, `registering ${url}`, res);
      receiver.setSecret(path, res.body.secret);
      return { ...res.body, path };
    },
    async following(count = 1) {
      await waitFor(`the notifier following ${count} restaurant(s)`, async () => {
        const res = await fetch(`${world.notifier.url}/readyz`);
        const body = (await res.json()) as { ready: boolean; restaurants: number };
        return res.status === 200 && body.ready && body.restaurants >= count;
      }, 15_000, () => world.notifier.tail(5));
    },
    async createDish(id, stock) {
      const res = await api('POST', `${base}/dishes`, { id, name: `Dish ${id}`, category: 'mains', price: 1000, stock });
      must(res.status === 201, `creating dish ${id}`, res);
    },
    async setStock(id, stock) {
      const res = await api<{ stock: number }>('PATCH', `${base}/dishes/${id}`, { stock });
      must(res.status === 200, `setting ${id}'s stock`, res);
      return res.body.stock;
    },
    async order(orderId, dishId, qty) {
      const placed = await api('POST', `${base}/orders`, { orderId, items: [{ dishId, qty }] });
      must(placed.status < 300, `placing order ${orderId}`, placed);
      const outcome = await waitFor(`order ${orderId}`, async () => {
        const res = await api<{ status?: string }>('GET', `${base}/orders/${orderId}`);
        return res.status === 200 ? res.body : undefined;
      }, 10_000);
      return outcome.status === 'applied';
    },
    async startNotifier(extraEnv = {}) {
      world.notifier = await startNotifierProcess({ ...notifierEnv, ...extraEnv });
      return world.notifier;
    },
  };
  return world;
}

/**
 * The alerts a model of the stock implies, computed from the writes alone (not from the log): `transitions` is each
 * dish's stock before and after each write, in order; each webhook gets what alertsFor says for its threshold and events.
 */
export function expectedAlerts(
  transitions: readonly { dish: string; before: number | undefined; after: number | undefined }[],
  webhook: { threshold?: number; events?: readonly AlertType[] } = {},
): { dish: string; type: AlertType; stock: number }[] {
  return transitions.flatMap(({ dish, before, after }) =>
    alertsFor(before, after, webhook.threshold, webhook.events).map((type) => ({ dish, type, stock: after ?? 0 })),
  );
}
