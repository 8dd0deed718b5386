import { describe, expect, it } from 'vitest';
import { dnsLookup, parseDnsServers } from './dns-lookup.js';

describe('WEBHOOK_DNS_SERVERS', () => {
  it('takes IP addresses with optional ports and names a bad entry', () => {
    expect(parseDnsServers(undefined)).toEqual([]);
    expect(parseDnsServers('127.0.0.1:5353, [::1]:53 127.0.0.2 ::1')).toEqual(['127.0.0.1:5353', '[::1]:53', '127.0.0.2', '::1']);
    expect(() => parseDnsServers('resolver.local')).toThrow(/resolver.local is not an IP address/);
    expect(() => parseDnsServers('127.0.0.1:x')).toThrow(/WEBHOOK_DNS_SERVERS/);
  });

  it('leaves the system lookup in place without servers', () => {
    expect(dnsLookup([])).toBeUndefined();
  });
});
