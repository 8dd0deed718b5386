// The client's address: canonical text, and the one a trusted proxy names in X-Forwarded-For.
import { isIP, type BlockList } from 'node:net';
import { isTrusted } from './trusted-proxies.js';

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

/**
 * The client's address: the peer's, or — while the peer is a trusted proxy — the next X-Forwarded-For entry from the
 * right (each proxy appends the address it saw), like express's `trust proxy`.
 */
export function clientAddress(remote: string, forwardedFor: string | undefined, trust: BlockList): string {
  let address = normalizeAddress(remote);
  if (!forwardedFor) return address;
  const hops = forwardedFor.split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = hops.length - 1; i >= 0 && isTrusted(address, trust); i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) break;
    address = normalizeAddress(hop);
  }
  return address;
}
