// Events per second over a short sliding window of one-second buckets.
export class RateMeter {
  readonly #counts: number[];
  #second = -1;

  /** `seconds` is the window the rate averages over. */
  constructor(private readonly seconds = 3) {
    this.#counts = new Array<number>(seconds + 1).fill(0);
  }

  add(n: number, now: number): void {
    this.#advance(now);
    const slot = this.#second % this.#counts.length;
    this.#counts[slot] = (this.#counts[slot] ?? 0) + n;
  }

  /** Average over the last `seconds` complete seconds (the current, partial one is left out). */
  rate(now: number): number {
    this.#advance(now);
    let sum = 0;
    for (let i = 1; i <= this.seconds; i++) sum += this.#counts[(this.#second - i + this.#counts.length * 2) % this.#counts.length] ?? 0;
    return sum / this.seconds;
  }

  #advance(now: number): void {
    const second = Math.floor(now / 1000);
    if (this.#second < 0) {
      this.#second = second;
      return;
    }
    // Clear every slot the clock moved past, at most all of them.
    for (let s = this.#second + 1; s <= second && s - this.#second <= this.#counts.length; s++) this.#counts[s % this.#counts.length] = 0;
    if (second > this.#second) this.#second = second;
  }
}
