// The dish service's REST API as the dashboard uses it: typed calls, bearer token, problem+json errors kept whole.
import type { ChatInput, CreateDish, Dish, OrderItem, PatchDish, PollResponse, Restaurant, SalesPage } from '@dish-live/protocol';
import { isRestaurantId } from '@dish-live/protocol/wire';
import type { AlertType } from '@dish-live/webhooks/rules';
import type { CreatedWebhook, DeliveryRecord, Webhook } from '@dish-live/webhooks/wire';

export interface FieldError {
  path: string;
  message: string;
}

/** An HTTP answer that was not 2xx, with what problem+json said about it (RFC 9457). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly errors: FieldError[],
    /** The problem's `type` URI, e.g. `urn:dish-live:problem:webhook-limit`. */
    readonly type?: string,
    /** A refusal's machine-readable reason (the webhook address guard's), beside the detail in words. */
    readonly reason?: string,
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

/** The request never got an HTTP answer (server down, DNS, CORS, aborted). */
export class NetworkError extends Error {
  override name = 'NetworkError';
}

/** A webhook as the dish service lists it (never with its secret); one delivery attempt from a webhook's log. */
export type { CreatedWebhook, Webhook as WebhookView, DeliveryRecord as WebhookDelivery };

export interface NewWebhookInput {
  url: string;
  events?: AlertType[];
  threshold?: number;
}

/** `GET …/state?at=`: the dishes after the last event with `ts ≤ at` (contract: "Proof … and time travel"). */
export interface StateAt {
  at: number;
  id: string;
  dishes: Dish[];
  digest: string;
}

/** `GET …/state/span`: the moments `state?at=` answers, from `from` to `to` (the server's now). */
export interface HistorySpan {
  from: number;
  to: number;
  retentionMs: number;
}

export interface OrderResult {
  orderId: string;
  status: string;
  [field: string]: unknown;
}

/** The API base of one restaurant's routes, `{apiBase}/restaurants/{rid}`: a DishApi there writes to that restaurant. */
export function restaurantApiBase(apiBase: string, restaurant: string): string {
  return `${apiBase.replace(/\/+$/, '')}/restaurants/${encodeURIComponent(restaurant)}`;
}

/**
 * The dish API at `base`: the API root (`/api`, whose routes serve `default`, and the list of restaurants) or one
 * restaurant's (restaurantApiBase).
 */
export class DishApi {
  constructor(
    private readonly base: string,
    private readonly token: () => string | undefined,
    private readonly fetchFn: typeof fetch = (...args) => fetch(...args),
  ) {}

  /** At the API root: every restaurant, as `{id, name}`; entries of another shape are left out rather than shown. */
  async listRestaurants(): Promise<Restaurant[]> {
    const body = await this.#call<unknown>('GET', '/restaurants');
    if (!Array.isArray(body)) throw new ApiError(200, 'GET /restaurants did not answer a list', undefined, []);
    return body.filter((r): r is Restaurant => {
      const given = r as Partial<Restaurant> | null;
      return typeof given === 'object' && given !== null && isRestaurantId(given.id) && typeof given.name === 'string';
    });
  }

  // The timeline's reads (issue 16): a past state, where history starts, the events after an id, sales up to a moment.
  stateAt(at: number): Promise<StateAt> {
    return this.#call<StateAt>('GET', `/state?at=${Math.floor(at)}`);
  }

  historySpan(): Promise<HistorySpan> {
    return this.#call<HistorySpan>('GET', '/state/span');
  }

  eventsSince(since: string, limit: number): Promise<PollResponse> {
    return this.#call<PollResponse>('GET', `/events?since=${encodeURIComponent(since)}&limit=${limit}`);
  }

  salesPage(from: number, to: number, limit: number): Promise<SalesPage> {
    return this.#call<SalesPage>('GET', `/sales?from=${Math.max(0, Math.floor(from))}&to=${Math.floor(to)}&limit=${limit}`);
  }

  listDishes(): Promise<Dish[]> {
    return this.#call<Dish[]>('GET', '/dishes');
  }

  createDish(input: CreateDish): Promise<Dish> {
    return this.#call<Dish>('POST', '/dishes', { body: input, auth: true });
  }

  /** `version` is the one the user edited: a concurrent change answers 409 instead of being overwritten. */
  patchDish(id: string, patch: PatchDish, version: number): Promise<Dish> {
    return this.#call<Dish>('PATCH', `/dishes/${encodeURIComponent(id)}`, { body: patch, auth: true, ifMatch: version });
  }

  deleteDish(id: string, version: number): Promise<void> {
    return this.#call<void>('DELETE', `/dishes/${encodeURIComponent(id)}`, { auth: true, ifMatch: version });
  }

  placeOrder(items: OrderItem[], orderId = newOrderId()): Promise<OrderResult> {
    return this.#call<OrderResult>('POST', '/orders', { body: { orderId, items }, auth: true });
  }

  postChat(message: ChatInput): Promise<unknown> {
    return this.#call<unknown>('POST', '/chat', { body: message, auth: true });
  }

  // Webhooks: every call carries the token, reads too, since a webhook URL can hold its receiver's own credentials.
  listWebhooks(): Promise<Webhook[]> {
    return this.#call<Webhook[]>('GET', '/webhooks', { auth: true });
  }

  createWebhook(input: NewWebhookInput): Promise<CreatedWebhook> {
    return this.#call<CreatedWebhook>('POST', '/webhooks', { body: input, auth: true });
  }

  removeWebhook(id: string): Promise<void> {
    return this.#call<void>('DELETE', `/webhooks/${encodeURIComponent(id)}`, { auth: true });
  }

  webhookDeliveries(id: string): Promise<DeliveryRecord[]> {
    return this.#call<DeliveryRecord[]>('GET', `/webhooks/${encodeURIComponent(id)}/deliveries`, { auth: true });
  }

  async #call<T>(method: string, path: string, opts: { body?: unknown; auth?: boolean; ifMatch?: number } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.ifMatch !== undefined) headers['if-match'] = `"${opts.ifMatch}"`;
    const token = opts.auth ? this.token() : undefined;
    if (token) headers.authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await this.fetchFn(`${this.base}${path}`, {
        method,
        headers,
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      });
    } catch (err) {
      throw new NetworkError((err as Error).message);
    }
    if (!res.ok) throw await problemFrom(res);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
}

/** Reads a problem+json body when there is one; otherwise the status line stands in for the title. */
export async function problemFrom(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const p = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const title = typeof p.title === 'string' ? p.title : res.statusText || `HTTP ${res.status}`;
  const detail = typeof p.detail === 'string' ? p.detail : undefined;
  const errors = Array.isArray(p.errors)
    ? p.errors
        .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
        .map((e) => ({ path: typeof e.path === 'string' ? e.path : '', message: typeof e.message === 'string' ? e.message : String(e.message) }))
    : [];
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return new ApiError(res.status, title, detail, errors, text(p.type), text(p.reason));
}

/** An order id the server can deduplicate on, so a retried click cannot sell twice. */
export function newOrderId(): string {
  return `web-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** An error as lines a person can read: title and detail, then one line per field error. */
export function describeError(err: unknown, networkLine: (detail: string) => string): string[] {
  if (err instanceof ApiError) {
    const head = err.detail ? `${err.title} (${err.status}): ${err.detail}` : `${err.title} (${err.status})`;
    return [head, ...err.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message))];
  }
  if (err instanceof NetworkError) return [networkLine(err.message)];
  return [err instanceof Error ? err.message : String(err)];
}
