// Reconnect delays: exponential growth with jitter, capped, reset once a connection proves itself.
export interface BackoffOptions {
  /** The first delay's ceiling, in ms. */
  initialMs?: number;
  /** No delay exceeds this, in ms. */
  maxMs?: number;
  factor?: number;
  /** A number in [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
}

export const DEFAULT_BACKOFF = { initialMs: 250, maxMs: 10_000, factor: 2 } as const;

/**
 * "Equal jitter": each delay is drawn from [ceiling/2, ceiling]. The lower half keeps a replica restart
 * from turning into a reconnect storm; the random upper half spreads the clients that lost it together.
 */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? DEFAULT_BACKOFF.initialMs;
    this.#maxMs = options.maxMs ?? DEFAULT_BACKOFF.maxMs;
    this.#factor = options.factor ?? DEFAULT_BACKOFF.factor;
    this.#random = options.random ?? Math.random;
    if (!(this.#initialMs > 0) || !(this.#maxMs >= this.#initialMs) || !(this.#factor >= 1)) {
      throw new RangeError('backoff needs 0 < initialMs <= maxMs and factor >= 1');
    }
  }

  /** How many delays were handed out since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The ceiling of the next delay, before jitter. */
  ceiling(): number {
    return Math.min(this.#maxMs, this.#initialMs * this.#factor ** this.#attempt);
  }

  next(): number {
    const ceiling = this.ceiling();
    this.#attempt++;
    return Math.round(ceiling / 2 + this.#random() * (ceiling / 2));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
