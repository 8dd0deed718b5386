// The resolver the address guard asks: the system's (getaddrinfo: /etc/hosts, then DNS) by default, or the DNS servers
// named in WEBHOOK_DNS_SERVERS — for a deployment that must resolve webhook hosts through its own resolver, and for
// tests, whose resolver on loopback can make a name change its answer after registration.
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Lookup } from './address-guard.js';

/** WEBHOOK_DNS_SERVERS: `ip` or `ip:port` (IPv6 as `[ip]:port`), comma or space separated. */
export function parseDnsServers(value: string | undefined): string[] {
  const servers = (value ?? '').split(/[\s,]+/).filter((entry) => entry !== '');
  for (const server of servers) {
    // A bare IPv6 address is itself (its last group is no port); `[ip]:port` and `ipv4:port` carry one.
    const host = isIP(server) !== 0 ? server : (server.match(/^\[([^\]]+)\](?::\d{1,5})?$/)?.[1] ?? server.replace(/:\d{1,5}$/, ''));
    if (isIP(host) === 0) throw new RangeError(`WEBHOOK_DNS_SERVERS: ${server} is not an IP address with an optional port`);
  }
  return servers;
}

/** undefined (the guard's system lookup) without servers; else A and AAAA from those servers, every address. */
export function dnsLookup(servers: readonly string[]): Lookup | undefined {
  if (servers.length === 0) return undefined;
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers(servers);
  return async (hostname) => {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]);
    const addresses = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 })) : []),
    ];
    // Neither family answered: the first failure says why (ENOTFOUND, ETIMEOUT…), as the system lookup would.
    if (addresses.length === 0 && v4.status === 'rejected') throw v4.reason as Error;
    return addresses;
  };
}
