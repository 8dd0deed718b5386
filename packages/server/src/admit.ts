// One admission for every gateway, whatever its transport: origin → restaurant → query → client address → connection
// limits → token → the token's restaurants.
import type { BlockList } from 'node:net';
import { DEFAULT_RESTAURANT, isRestaurantId, parseSubscriptionQuery, type SubscriptionOptions } from '@dish-live/protocol';
import { clientAddress } from './address.js';
import type { ConnectionLimits } from './connection-limits.js';
import { originAllowed, type AllowedOrigins } from './origin.js';
import type { Problem } from './problem.js';
import { RETRY_AFTER_SECONDS } from './probes.js';
import {
  grantedOptions, OPEN_GRANT, requestToken, restaurantAllowed, type AuthResult, type Grant, type SubscriptionAuth,
} from './subscription-auth.js';

const OPEN: AuthResult = { ok: true, grant: OPEN_GRANT };

/** What a transport read off the request before any byte of its answer. */
export interface AdmissionRequest {
  origin: string | undefined;
  host: string | undefined;
  /** The peer's address as the socket reports it. */
  peer: string;
  forwardedFor: string | undefined;
  authorization: string | undefined;
  query: URLSearchParams;
  /** A resume id carried beside the query (SSE's Last-Event-ID): it wins over `since`. */
  resumeId?: string | undefined;
  /** The restaurant named by the path, as it came; undefined for the paths without one, which serve `default`. */
  restaurant?: string | undefined;
}

export interface Admitted {
  ok: true;
  /** The restaurant the client reads: it exists, and the grant names it. */
  restaurant: string;
  /** The client's address (behind a trusted proxy, the one it forwarded). */
  ip: string;
  /** What the client asked for, before its grant narrowed it. */
  requested: SubscriptionOptions;
  /** What it is served. */
  options: SubscriptionOptions;
  grant: Grant;
  /** Why the query was unusable, when the gateway serves defaults instead of refusing (see `strictQuery`). */
  queryError: string | undefined;
  /** Gives the connection slot back; only the first call counts. */
  release: () => void;
}

export type RefusalReason =
  | 'origin' | 'unknown_restaurant' | 'bad_query' | 'full' | 'per_ip' | 'unauthorized' | 'forbidden_restaurant' | 'unavailable';

export interface Refused extends Problem {
  ok: false;
  reason: RefusalReason;
  /** `Retry-After` on a full gateway, `WWW-Authenticate` on a refused token. */
  headers: Record<string, string>;
}

export interface GateOptions {
  allowedOrigins: AllowedOrigins;
  trustProxy: BlockList;
  limits: ConnectionLimits;
  auth: SubscriptionAuth;
  /**
   * Whether an unusable query is refused (400), or served with defaults and reported on the open connection (a
   * WebSocket can say so there, and a browser cannot read the status of a failed upgrade).
   */
  strictQuery: boolean;
  /**
   * Whether a (well-formed) restaurant exists; `default` always does and is never asked about. Without it, a gateway
   * knows no registry and serves `default` alone. A rejection (Redis away) refuses with 503.
   */
  restaurantExists?(restaurant: string): boolean | Promise<boolean>;
  /** Counts a refusal (the gateways' `dish_live_disconnects_total{reason="refused_…"}`). */
  onRefused(reason: RefusalReason): void;
}

export class Gate {
  constructor(private readonly o: GateOptions) {}

  /** Granted options and a connection slot, or a refusal that holds nothing. */
  async admit(req: AdmissionRequest): Promise<Admitted | Refused> {
    const { o } = this;
    const foreign = this.refuseOrigin(req.origin, req.host);
    if (foreign) return foreign;
    const restaurant = req.restaurant ?? DEFAULT_RESTAURANT;
    // Before any slot or token: a restaurant that is not there is not there for anybody (the list is public anyway).
    const unknown = await this.#refuseRestaurant(restaurant);
    if (unknown) return unknown;
    const parsed = parseSubscriptionQuery(req.query);
    if (!parsed.ok && o.strictQuery) {
      return this.#refuse('bad_query', 400, 'validation', 'Invalid subscription', parsed.message, {}, { field: parsed.field });
    }
    const requested = parsed.ok ? parsed.options : {};
    if (req.resumeId !== undefined && req.resumeId !== '' && req.resumeId.length <= 64) requested.since = req.resumeId;
    const ip = clientAddress(req.peer, req.forwardedFor, o.trustProxy);
    const slot = o.limits.admit(ip);
    if (!slot.ok) {
      const slug = slot.reason === 'full' ? 'gateway-full' : 'too-many-connections';
      const title = slot.status === 503 ? 'Service unavailable' : 'Too many connections';
      return this.#refuse(slot.reason, slot.status, slug, title, slot.message, { 'Retry-After': String(slot.retryAfterS) });
    }
    // Without a key every connection gets the open grant: no token is read, nothing is awaited.
    const verdict = o.auth.enabled ? await o.auth.verify(requestToken(req.query, req.authorization)) : OPEN;
    if (!verdict.ok) {
      slot.release();
      return this.#refuse('unauthorized', 401, 'unauthorized', 'Unauthorized', verdict.message, { 'WWW-Authenticate': 'Bearer realm="dish-live"' }, { code: 'unauthorized' });
    }
    const grant = verdict.grant;
    if (!restaurantAllowed(grant, restaurant)) {
      slot.release();
      return this.#refuse(
        'forbidden_restaurant', 403, 'forbidden-restaurant', 'Forbidden', `this token does not read restaurant ${restaurant}`,
      );
    }
    return {
      ok: true, restaurant, ip, requested, options: grantedOptions(requested, grant), grant,
      queryError: parsed.ok ? undefined : parsed.message, release: slot.release,
    };
  }

  /**
   * A 503 for what the gate admitted but the gateway could not serve (the restaurant's view could not be read): the
   * caller gave the slot back.
   */
  unavailable(detail: string): Refused {
    return this.#refuse('unavailable', 503, 'unavailable', 'Service unavailable', detail, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
  }

  /** A restaurant id that is malformed or names no restaurant: 404, as on every route. */
  async #refuseRestaurant(restaurant: string): Promise<Refused | undefined> {
    if (restaurant === DEFAULT_RESTAURANT) return undefined;
    let exists = false;
    if (isRestaurantId(restaurant)) {
      try {
        exists = (await this.o.restaurantExists?.(restaurant)) ?? false;
      } catch (err) {
        return this.unavailable(`restaurant ${restaurant} could not be looked up: ${(err as Error).message}`);
      }
    }
    if (exists) return undefined;
    // The id is echoed only when well-formed: a path segment is the client's text, and a problem's detail is logged.
    const named = isRestaurantId(restaurant) ? `restaurant ${restaurant}` : 'that restaurant';
    return this.#refuse('unknown_restaurant', 404, 'restaurant-not-found', 'Restaurant not found', `${named} does not exist`);
  }

  /** The origin step alone, for what precedes a connection (a CORS preflight). */
  refuseOrigin(origin: string | undefined, host: string | undefined): Refused | undefined {
    if (originAllowed(this.o.allowedOrigins, origin, host)) return undefined;
    return this.#refuse('origin', 403, 'origin-not-allowed', 'Origin not allowed', `origin ${origin ?? ''} is not allowed`);
  }

  #refuse(
    reason: RefusalReason, status: number, slug: string, title: string, detail: string,
    headers: Record<string, string> = {}, extensions?: Record<string, unknown>,
  ): Refused {
    this.o.onRefused(reason);
    return { ok: false, reason, status, slug, title, detail, headers, extensions };
  }
}
