// Who may write where: a deployment token (DISH_API_TOKENS) writes every restaurant, a restaurant token only its own.
import type { Response } from 'express';
import { tokenDigest } from '@dish-live/broker';
import { HttpProblem } from '@dish-live/server';
import { bearerToken, type createTokenCheck } from './auth.js';
import { restaurantOf } from './restaurant-param.js';

/** Whose token a write carries. */
export type Writer = { kind: 'deployment' } | { kind: 'restaurant'; restaurant: string };

/** The restaurant a token writes, from the registry; undefined for a token that is none of its. */
export type RestaurantTokenLookup = (token: string) => Promise<string | undefined>;

const REALM = 'Bearer realm="dish-live"';
const DEPLOYMENT: Writer = Object.freeze({ kind: 'deployment' });

/** A restaurant token found is kept this long, so a busy writer costs no registry read per write. */
const KNOWN_TOKEN_MS = 30_000;
/** Bounds the kept tokens (a few bytes each); past it the oldest go first. */
const KNOWN_TOKENS_MAX = 10_000;

/**
 * Deployment tokens are checked first, in constant time, without Redis; any other token is looked up in the
 * registry by its digest. Found tokens are remembered briefly (a restaurant token is never revoked, only its
 * restaurant would be); unknown ones never are, so a token created a moment ago works at once.
 */
export class WriteScope {
  readonly #known = new Map<string, { restaurant: string; until: number }>();

  constructor(
    private readonly deploymentCheck: ReturnType<typeof createTokenCheck>,
    private readonly lookup: RestaurantTokenLookup,
  ) {}

  /** The writer an Authorization header names; a 401 or 403 problem, as the first wave answered, when none. */
  async writer(authorization: string | undefined): Promise<Writer> {
    switch (this.deploymentCheck(authorization)) {
      case 'ok':
        return DEPLOYMENT;
      case 'disabled':
        // No deployment token: nobody could have created a restaurant token either; writes stay off as documented.
        throw new HttpProblem(401, 'unauthorized', 'Unauthorized', 'writes are disabled: the service has no DISH_API_TOKENS', {
          headers: { 'WWW-Authenticate': REALM },
        });
      case 'missing':
        throw new HttpProblem(401, 'unauthorized', 'Unauthorized', 'this write needs Authorization: Bearer <token>', {
          headers: { 'WWW-Authenticate': REALM },
        });
      case 'invalid': {
        const restaurant = await this.#restaurantOf(bearerToken(authorization)!);
        if (restaurant !== undefined) return { kind: 'restaurant', restaurant };
        throw new HttpProblem(403, 'forbidden', 'Forbidden', 'the bearer token is not allowed to write', {
          headers: { 'WWW-Authenticate': `${REALM}, error="invalid_token"` },
        });
      }
    }
  }

  /**
   * The writer an Authorization header names when that is known without Redis: a deployment token, or a restaurant
   * token found lately. Undefined for anything else, which `writer` answers.
   */
  knownWriter(authorization: string | undefined): Writer | undefined {
    const verdict = this.deploymentCheck(authorization);
    if (verdict === 'ok') return DEPLOYMENT;
    if (verdict !== 'invalid') return undefined;
    const restaurant = this.#recent(tokenDigest(bearerToken(authorization)!), Date.now());
    return restaurant === undefined ? undefined : { kind: 'restaurant', restaurant };
  }

  async #restaurantOf(token: string): Promise<string | undefined> {
    const now = Date.now();
    // Kept by digest: a heap dump of the process shows no token.
    const key = tokenDigest(token);
    const known = this.#recent(key, now);
    if (known !== undefined) return known;
    const restaurant = await this.lookup(token);
    if (restaurant !== undefined) {
      this.#known.set(key, { restaurant, until: now + KNOWN_TOKEN_MS });
      if (this.#known.size > KNOWN_TOKENS_MAX) this.#known.delete(this.#known.keys().next().value!);
    }
    return restaurant;
  }

  /** The restaurant of a token digest found within KNOWN_TOKEN_MS; an older entry is dropped. */
  #recent(key: string, now: number): string | undefined {
    const known = this.#known.get(key);
    if (known && known.until > now) return known.restaurant;
    this.#known.delete(key);
    return undefined;
  }
}

/** Whether a writer may make the write a route guards: undefined when it may, else the 403 to answer. */
export type Permission = (writer: Writer, res: Response) => HttpProblem | undefined;

/** For the routes of one restaurant: its own token or a deployment token; another restaurant's token is a 403. */
export const restaurantPermission: Permission = (writer, res) => {
  const { id } = restaurantOf(res);
  if (writer.kind === 'deployment' || writer.restaurant === id) return undefined;
  return new HttpProblem(403, 'forbidden-restaurant', 'Forbidden', `this token writes restaurant ${writer.restaurant} only, not ${id}`);
};

/** For what belongs to the deployment (creating restaurants): a deployment token only. */
export const deploymentPermission: Permission = (writer) =>
  writer.kind === 'deployment'
    ? undefined
    : new HttpProblem(403, 'forbidden', 'Forbidden', 'a restaurant token cannot create restaurants; use a deployment token');
