// Who may open a connection: per-process and per-address connection limits.

/** `status` 503 when the process is full, 429 when this address holds too many; retry after `retryAfterS`. */
export type Refusal = { ok: false; status: 503 | 429; reason: 'full' | 'per_ip'; message: string; retryAfterS: number };

export type Admission = { ok: true } | Refusal;

/**
 * Counts open connections, in all and per client address, so a gateway refuses clearly (503/429 + Retry-After)
 * instead of running out of memory or file descriptors. Acquire at the request, release exactly once at the end.
 */
export class ConnectionLimits {
  readonly #perIp = new Map<string, number>();
  #total = 0;

  constructor(
    readonly max: number,
    readonly maxPerIp: number,
    private readonly retryAfter: () => number = () => 2 + Math.floor(Math.random() * 9),
  ) {}

  get total(): number {
    return this.#total;
  }

  count(ip: string): number {
    return this.#perIp.get(ip) ?? 0;
  }

  acquire(ip: string): Admission {
    if (this.#total >= this.max) {
      return { ok: false, status: 503, reason: 'full', message: `this gateway holds its maximum of ${this.max} connections`, retryAfterS: this.retryAfter() };
    }
    const held = this.#perIp.get(ip) ?? 0;
    if (held >= this.maxPerIp) {
      return { ok: false, status: 429, reason: 'per_ip', message: `at most ${this.maxPerIp} connections per client address`, retryAfterS: this.retryAfter() };
    }
    this.#perIp.set(ip, held + 1);
    this.#total++;
    return { ok: true };
  }

  /**
   * Acquires a slot for `ip` and hands back its release, which gives the slot back on its first call only: a
   * connection can end by more than one path (abort, refusal, close) and must not be counted out twice.
   */
  admit(ip: string): { ok: true; release: () => void } | Refusal {
    const admission = this.acquire(ip);
    if (!admission.ok) return admission;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.release(ip);
      },
    };
  }

  release(ip: string): void {
    const held = this.#perIp.get(ip);
    if (held === undefined) return;
    if (held <= 1) this.#perIp.delete(ip);
    else this.#perIp.set(ip, held - 1);
    this.#total--;
  }
}
