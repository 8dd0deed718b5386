// The resolver the address guard asks: c-ares (A and AAAA) on the event loop, never getaddrinfo on libuv's four
// threads, so a name whose nameserver never answers holds one lookup, not every other webhook's. The system's
// nameservers (and /etc/hosts) by default; the DNS servers named in WEBHOOK_DNS_SERVERS instead — for a deployment that
// must resolve webhook hosts through its own resolver, and for tests, whose resolver on loopback can make a name change
// its answer after registration.
import { getServers } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Lookup } from './address-guard.js';
import { readHostsFile, type HostsTable } from './hosts-file.js';

/**
 * Per server and try, doubled on the second try: about 3 s for one silent server at most, under the contract's 5 s
 * attempt. The caller's AbortSignal (the attempt's deadline) is the bound that holds whatever these are.
 */
const RESOLVER_OPTIONS = { timeout: 1000, tries: 2 };

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

/**
 * A and AAAA from `servers`, every address; without servers, /etc/hosts first (as getaddrinfo reads it), then the
 * system's nameservers. `hosts` replaces /etc/hosts (tests); `resolverOptions` c-ares' per-query timeout and tries.
 */
export function dnsLookup(servers: readonly string[], hosts?: HostsTable, resolverOptions = RESOLVER_OPTIONS): Lookup {
  const resolver = new Resolver(resolverOptions);
  const system = servers.length === 0;
  resolver.setServers(system ? getServers() : servers);
  const table: HostsTable = system ? (hosts ?? readHostsFile()) : new Map();
  return async (hostname, options = {}) => {
    const listed = table.get(hostname.toLowerCase().replace(/\.$/, ''));
    if (listed) return listed;
    const [v4, v6] = await untilAborted(Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]), options.signal);
    const addresses = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 })) : []),
    ];
    // Neither family answered: the first failure says why (ENOTFOUND, ETIMEOUT…), as the system lookup would.
    if (addresses.length === 0 && v4.status === 'rejected') throw v4.reason as Error;
    return addresses;
  };
}

/**
 * `promise`, or a rejection coded ETIMEOUT as soon as `signal` aborts. c-ares cannot cancel one query of a shared
 * channel; a query left behind holds a socket until its own timeout, and no thread.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  const aborted = () => Object.assign(new Error('the attempt ran out of time while resolving'), { code: 'ETIMEOUT' });
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
