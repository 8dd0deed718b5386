// /etc/hosts as the system resolver reads it, for the c-ares lookup, which asks nameservers only: a name a deployment
// pins there (compose `extra_hosts`, a receiver on the host) resolves as it did through getaddrinfo.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

/** Lower-case name → its addresses, in file order. */
export type HostsTable = ReadonlyMap<string, readonly { address: string; family: number }[]>;

/** Parses hosts-file text: `address name [alias…]` per line, `#` to the end of a line a comment. */
export function parseHosts(text: string): HostsTable {
  const table = new Map<string, { address: string; family: number }[]>();
  for (const line of text.split('\n')) {
    const [address = '', ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    // A zone ("fe80::1%eth0") is the interface, not part of the address.
    const family = isIP(address.replace(/%.*$/, ''));
    if (family === 0) continue;
    for (const name of names) {
      const key = name.toLowerCase().replace(/\.$/, '');
      const entries = table.get(key) ?? [];
      if (!entries.some((e) => e.address === address)) entries.push({ address, family });
      table.set(key, entries);
    }
  }
  return table;
}

/** Read once, when the lookup is made (at a service's start): an unreadable file is an empty table. */
export function readHostsFile(path = '/etc/hosts'): HostsTable {
  try {
    return parseHosts(readFileSync(path, 'utf8'));
  } catch {
    return new Map();
  }
}
