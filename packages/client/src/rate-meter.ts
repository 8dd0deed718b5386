// Events per second over a sliding window of whole seconds: a rate that stays right at any event rate, unlike a sample ring.
export class RateMeter {
  /** Per-second counts, one slot more than the window so the current, partial second never overwrites a counted one. */
  readonly #counts: number[];
  #newestSecond = Number.NEGATIVE_INFINITY;

  constructor(readonly windowSeconds = 5) {
    if (!Number.isInteger(windowSeconds) || windowSeconds < 1) throw new RangeError('windowSeconds must be a positive integer');
    this.#counts = new Array<number>(windowSeconds + 1).fill(0);
  }

  /** Counts `n` events at `at` (ms since the epoch); a count older than the window is too late to matter. */
  add(n: number, at: number): void {
    const second = Math.floor(at / 1000);
    this.#advance(second);
    if (second <= this.#newestSecond - this.#counts.length) return;
    this.#counts[mod(second, this.#counts.length)]! += n;
  }

  /** Events per second over the last `windowSeconds` whole seconds; the current, partial second is left out. */
  rate(at: number): number {
    const current = Math.floor(at / 1000);
    this.#advance(current);
    let sum = 0;
    for (let s = current - this.windowSeconds; s < current; s++) sum += this.#counts[mod(s, this.#counts.length)]!;
    return sum / this.windowSeconds;
  }

  reset(): void {
    this.#counts.fill(0);
    this.#newestSecond = Number.NEGATIVE_INFINITY;
  }

  /** Clears every slot the clock moved past since the newest second counted, at most all of them. */
  #advance(second: number): void {
    if (second <= this.#newestSecond) return;
    const clear = Math.min(second - this.#newestSecond, this.#counts.length);
    for (let i = 1; i <= clear; i++) this.#counts[mod(second - clear + i, this.#counts.length)] = 0;
    this.#newestSecond = second;
  }
}

const mod = (n: number, m: number) => ((n % m) + m) % m;
