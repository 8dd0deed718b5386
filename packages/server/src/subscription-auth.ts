// Signed subscription tokens (JWT, HS256 or RS256): who may subscribe, to which restaurants and categories, until when.
import { errors, importSPKI, jwtVerify, type CryptoKey, type KeyObject } from 'jose';
import { DEFAULT_RESTAURANT, isRestaurantId, normalizeCategories, type SubscriptionOptions } from '@dish-live/protocol';
import { VerifiedTokens } from './verified-tokens.js';

/**
 * What a verified token grants: `restaurants` undefined means every restaurant, `categories` undefined every category;
 * `expiresAt` in ms, undefined never.
 */
export interface Grant {
  restaurants: readonly string[] | undefined;
  categories: readonly string[] | undefined;
  expiresAt: number | undefined;
}

export type AuthResult = { ok: true; grant: Grant } | { ok: false; message: string };

export interface SubscriptionAuthConfig {
  SUBSCRIBE_JWT_SECRET?: string | undefined;
  SUBSCRIBE_JWT_PUBLIC_KEY?: string | undefined;
  SUBSCRIBE_TOKEN_REQUIRED?: boolean | undefined;
}

/** Everything, for ever: what a connection gets when tokens are not required and it presents none. */
export const OPEN_GRANT: Grant = Object.freeze({ restaurants: undefined, categories: undefined, expiresAt: undefined });

/** Tokens are at most this long; longer ones are refused before any crypto runs. */
export const MAX_TOKEN_LENGTH = 8192;

/** Verified tokens remembered per process: one per connected client of a large gateway, about 100 bytes each. */
export const VERIFIED_TOKENS_KEPT = 20_000;

export class SubscriptionAuth {
  readonly required: boolean;
  readonly #key: Uint8Array | CryptoKey | KeyObject | undefined;
  readonly #algorithm: 'HS256' | 'RS256' | undefined;
  readonly #verified = new VerifiedTokens(VERIFIED_TOKENS_KEPT);

  private constructor(required: boolean, key: Uint8Array | CryptoKey | KeyObject | undefined, algorithm: 'HS256' | 'RS256' | undefined) {
    this.required = required;
    this.#key = key;
    this.#algorithm = algorithm;
  }

  /**
   * From the environment: a secret (HS256) or a PEM public key (RS256), never both. A token is required by default as
   * soon as a key is configured; SUBSCRIBE_TOKEN_REQUIRED=false makes it optional (a presented token is still checked).
   */
  static async create(config: SubscriptionAuthConfig): Promise<SubscriptionAuth> {
    const secret = config.SUBSCRIBE_JWT_SECRET;
    const pem = config.SUBSCRIBE_JWT_PUBLIC_KEY;
    if (secret && pem) throw new Error('set SUBSCRIBE_JWT_SECRET or SUBSCRIBE_JWT_PUBLIC_KEY, not both');
    const keyed = Boolean(secret || pem);
    const required = config.SUBSCRIBE_TOKEN_REQUIRED ?? keyed;
    if (required && !keyed) throw new Error('SUBSCRIBE_TOKEN_REQUIRED=true needs SUBSCRIBE_JWT_SECRET or SUBSCRIBE_JWT_PUBLIC_KEY');
    if (secret) return new SubscriptionAuth(required, new TextEncoder().encode(secret), 'HS256');
    if (pem) {
      // Environment files often carry a PEM on one line with literal \n.
      const key = await importSPKI(pem.replace(/\\n/g, '\n'), 'RS256').catch((err: Error) => {
        throw new Error(`SUBSCRIBE_JWT_PUBLIC_KEY is not an RSA public key in PEM (SPKI): ${err.message}`);
      });
      return new SubscriptionAuth(required, key, 'RS256');
    }
    return new SubscriptionAuth(false, undefined, undefined);
  }

  /** Whether tokens are checked at all (a key is configured). */
  get enabled(): boolean {
    return this.#key !== undefined;
  }

  /**
   * Verifies a token (signature, algorithm, `exp` present and not past, `nbf`) and reads its `restaurants` and
   * `categories` claims. No token: the open grant when tokens are optional, a refusal when they are required. A token
   * verified before and not expired since is answered from memory, without awaiting anything.
   */
  async verify(token: string | undefined): Promise<AuthResult> {
    if (token === undefined || token === '') {
      return this.required ? { ok: false, message: 'a subscription token is required' } : { ok: true, grant: OPEN_GRANT };
    }
    if (!this.#key || !this.#algorithm) return { ok: true, grant: OPEN_GRANT };
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, message: 'token too long' };
    const known = this.#verified.get(token);
    if (known) return { ok: true, grant: known };
    try {
      const { payload } = await jwtVerify(token, this.#key, { algorithms: [this.#algorithm], requiredClaims: ['exp'] });
      const claim = payload.categories;
      let categories: readonly string[] | undefined;
      if (claim !== undefined) {
        if (!Array.isArray(claim) || !claim.every((c): c is string => typeof c === 'string')) {
          return { ok: false, message: 'token claim categories must be an array of strings' };
        }
        const normalized = normalizeCategories(claim);
        if (!normalized.ok) return { ok: false, message: `token claim categories: ${normalized.message}` };
        // An empty list grants no category (chat only), unlike an absent claim.
        categories = normalized.categories ?? [];
      }
      const restaurants = restaurantsClaim(payload.restaurants);
      if (restaurants === false) return { ok: false, message: 'token claim restaurants must be an array of restaurant ids, or ["*"]' };
      // Frozen: one grant object now serves every connection that presents this token.
      const grant = Object.freeze({
        restaurants: restaurants && Object.freeze([...restaurants]), categories: categories && Object.freeze([...categories]), expiresAt: payload.exp! * 1000,
      });
      this.#verified.add(token, grant);
      return { ok: true, grant };
    } catch (err) {
      if (err instanceof errors.JWTExpired) return { ok: false, message: 'token expired' };
      if (err instanceof errors.JOSEError) return { ok: false, message: `invalid token (${err.code})` };
      return { ok: false, message: 'invalid token' };
    }
  }
}

/**
 * The restaurants a token names: `["*"]` is every one (undefined); a token without the claim was minted for the one
 * restaurant of the first wave and reads `default` only; false when the claim is malformed.
 */
function restaurantsClaim(claim: unknown): readonly string[] | undefined | false {
  if (claim === undefined) return [DEFAULT_RESTAURANT];
  if (!Array.isArray(claim) || claim.length > 10_000) return false;
  if (claim.length === 1 && claim[0] === '*') return undefined;
  return claim.every(isRestaurantId) ? claim : false;
}

/** Whether a grant reads `restaurant`. */
export function restaurantAllowed(grant: Grant, restaurant: string): boolean {
  return grant.restaurants === undefined || grant.restaurants.includes(restaurant);
}

/** The token a request carries: `?token=` (an EventSource cannot set headers) first, else `Authorization: Bearer`. */
export function requestToken(query: URLSearchParams, authorization: string | undefined): string | undefined {
  return query.get('token') || /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
}

/** The categories a connection gets: what it asked for, within what its grant allows (undefined = every category). */
export function effectiveCategories(requested: readonly string[] | undefined, allowed: readonly string[] | undefined): string[] | undefined {
  if (allowed === undefined) return requested === undefined ? undefined : [...requested];
  if (requested === undefined) return [...allowed];
  const set = new Set(allowed);
  return requested.filter((c) => set.has(c));
}

/** What a connection is served: what it asked for, its categories narrowed to what its grant allows. */
export function grantedOptions(requested: SubscriptionOptions, grant: Grant): SubscriptionOptions {
  if (grant.categories === undefined) return requested;
  return { ...requested, categories: effectiveCategories(requested.categories, grant.categories)! };
}
