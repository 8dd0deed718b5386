// Who may open a connection: per-process and per-address limits, and the client address behind a trusted proxy.
import { isIP } from 'node:net';

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

/** Which peers' X-Forwarded-For to believe: `false`, `true`, or a list of loopback, linklocal, uniquelocal and addresses. */
export type TrustProxy = boolean | readonly string[];

export function parseTrustProxy(value: string): TrustProxy {
  const v = value.trim();
  if (v === 'true') return true;
  if (v === 'false' || v === '') return false;
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Canonical text of an address: IPv4-mapped IPv6 as plain IPv4, lower case. */
export function normalizeAddress(address: string): string {
  const a = address.trim().toLowerCase();
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return mapped[1]!;
  // uWS spells IPv6 in full (0000:0000:…:0001); compress it the way node does so both transports agree.
  if (isIP(a) === 6 && a.includes(':')) {
    const groups = expandV6(a);
    if (groups) {
      if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
        return `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
      }
      return compressV6(groups);
    }
  }
  return a;
}

function expandV6(a: string): number[] | undefined {
  if (a.includes('.')) return undefined;
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? 0 : 8 - h.length - t.length;
  const all = [...h, ...Array<string>(zeros).fill('0'), ...t];
  if (all.length !== 8) return undefined;
  return all.map((g) => parseInt(g, 16));
}

function compressV6(groups: number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function inRange(address: string, name: string): boolean {
  const a = normalizeAddress(address);
  if (name === 'loopback') return a.startsWith('127.') || a === '::1';
  if (name === 'linklocal') return a.startsWith('169.254.') || /^fe[89ab][0-9a-f]?:/.test(a);
  if (name === 'uniquelocal') {
    if (a.startsWith('10.') || a.startsWith('192.168.')) return true;
    const m = /^172\.(\d+)\./.exec(a);
    if (m && Number(m[1]) >= 16 && Number(m[1]) <= 31) return true;
    return /^f[cd][0-9a-f]{0,2}:/.test(a);
  }
  return a === normalizeAddress(name);
}

function trusted(address: string, trust: TrustProxy): boolean {
  if (typeof trust === 'boolean') return trust;
  return trust.some((name) => inRange(address, name));
}

/**
 * The client's address: the peer's, or — while the peer is a trusted proxy — the next X-Forwarded-For entry from the
 * right (each proxy appends the address it saw), like express's `trust proxy`.
 */
export function clientAddress(remote: string, forwardedFor: string | undefined, trust: TrustProxy): string {
  let address = normalizeAddress(remote);
  if (!forwardedFor || trust === false) return address;
  const hops = forwardedFor.split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = hops.length - 1; i >= 0 && trusted(address, trust); i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) break;
    address = normalizeAddress(hop);
  }
  return address;
}
