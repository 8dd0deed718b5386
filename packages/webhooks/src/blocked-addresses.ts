// The one table of address ranges a webhook may never reach, and the lookup that names an address's class.
import { BlockList, isIP } from 'node:net';

export type AddressClass =
  | 'unspecified'
  | 'this-network'
  | 'loopback'
  | 'private'
  | 'carrier-grade-nat'
  | 'link-local'
  | 'site-local'
  | 'unique-local'
  | 'ietf-protocol-assignments'
  | 'benchmarking'
  | 'documentation'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

/**
 * First match wins, so a narrow range sits before the wide one holding it (broadcast inside 240/4, 0.0.0.0 inside
 * 0/8, ::1 inside ::/96). Beyond the contract's classes: 0/8 because Linux connects 0.x to the host itself; CGNAT,
 * 192.0.0/24, benchmarking and reserved space because no public receiver lives there and some networks route them
 * internally; documentation ranges because no receiver can live there, so a URL naming one is a mistake or a probe.
 * IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96) addresses are not listed: they are judged by the IPv4
 * address they carry, which is where the packet goes.
 */
const BLOCKED: readonly (readonly [cidr: string, addressClass: AddressClass])[] = [
  ['0.0.0.0/32', 'unspecified'],
  ['0.0.0.0/8', 'this-network'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade-nat'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'ietf-protocol-assignments'],
  ['192.0.2.0/24', 'documentation'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  // IPv4-compatible addresses (deprecated): no public receiver has one.
  ['::/96', 'reserved'],
  ['64:ff9b:1::/48', 'private'],
  ['100::/64', 'reserved'],
  ['2001:2::/48', 'benchmarking'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
];

const RANGES = BLOCKED.map(([cidr, addressClass]) => {
  const [network = '', prefix = ''] = cidr.split('/');
  const family = isIP(network) === 6 ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  list.addSubnet(network, Number(prefix), family);
  return { family, list, addressClass } as const;
});

export interface BlockedAddress {
  addressClass: AddressClass;
  /** The IPv4 address an IPv4-mapped or NAT64 address carries, when that is what was judged. */
  embeddedIPv4?: string;
}

/** The class of a blocked IP address, or undefined when a webhook may reach it. Throws on a non-IP string. */
export function blockedAddress(address: string): BlockedAddress | undefined {
  // A zone ("fe80::1%eth0") only picks the interface; the address is what is judged.
  const bare = address.replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) throw new TypeError(`not an IP address: ${address}`);
  if (family === 4) return classify(bare, 'ipv4');
  const embeddedIPv4 = ipv4Inside(bare);
  if (embeddedIPv4 === undefined) return classify(bare, 'ipv6');
  const verdict = classify(embeddedIPv4, 'ipv4');
  return verdict && { ...verdict, embeddedIPv4 };
}

function classify(address: string, family: 'ipv4' | 'ipv6'): BlockedAddress | undefined {
  const range = RANGES.find((r) => r.family === family && r.list.check(address, family));
  return range && { addressClass: range.addressClass };
}

/** The IPv4 address in an IPv4-mapped (::ffff:a.b.c.d) or well-known NAT64 (64:ff9b::a.b.c.d) IPv6 address. */
function ipv4Inside(ipv6: string): string | undefined {
  const w = ipv6Words(ipv6);
  const mapped = w.slice(0, 5).every((x) => x === 0) && w[5] === 0xffff;
  const nat64 = w[0] === 0x64 && w[1] === 0xff9b && w.slice(2, 6).every((x) => x === 0);
  if (!mapped && !nat64) return undefined;
  const [hi = 0, lo = 0] = w.slice(6);
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

/** The eight 16-bit words of a valid IPv6 address, "::" expanded and a dotted IPv4 tail turned into two words. */
function ipv6Words(ipv6: string): number[] {
  let text = ipv6;
  const tailStart = text.lastIndexOf(':') + 1;
  const tail = text.slice(tailStart);
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, tailStart)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const words = (part: string) => (part === '' ? [] : part.split(':').map((x) => parseInt(x, 16)));
  const before = words(head);
  const after = rest === undefined ? [] : words(rest);
  return [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
}
