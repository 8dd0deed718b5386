// Every query goes to a DNS stub on 127.0.0.1, or is answered from a hosts table: nothing leaves the machine.
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsStub, type DnsStub } from '@dish-live/test-support';
import { resolveAndCheck } from './address-guard.js';
import { dnsLookup, parseDnsServers } from './dns-lookup.js';
import { parseHosts } from './hosts-file.js';

let dns: DnsStub;
beforeAll(async () => {
  dns = await startDnsStub({ 'hooks.example': '192.88.99.7' });
  dns.silence('blackholed.example');
});
afterAll(() => dns.close());

describe('WEBHOOK_DNS_SERVERS', () => {
  it('takes IP addresses with optional ports and names a bad entry', () => {
    expect(parseDnsServers(undefined)).toEqual([]);
    expect(parseDnsServers('127.0.0.1:5353, [::1]:53 127.0.0.2 ::1')).toEqual(['127.0.0.1:5353', '[::1]:53', '127.0.0.2', '::1']);
    expect(() => parseDnsServers('resolver.local')).toThrow(/resolver.local is not an IP address/);
    expect(() => parseDnsServers('127.0.0.1:x')).toThrow(/WEBHOOK_DNS_SERVERS/);
  });
});

describe('the lookup', () => {
  it('answers A records from the named servers', async () => {
    expect(await dnsLookup([dns.server])('hooks.example')).toEqual([{ address: '192.88.99.7', family: 4 }]);
    await expect(dnsLookup([dns.server])('nowhere.example')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('without servers answers a name /etc/hosts lists from the file, as getaddrinfo did, before any nameserver', async () => {
    const hosts = parseHosts('# pinned\n127.0.0.1 localhost\n192.88.99.8  Receiver.Internal receiver # compose\n::1 localhost\nnot-an-ip x\n');
    expect([...hosts.keys()]).toEqual(['localhost', 'receiver.internal', 'receiver']);
    const lookup = dnsLookup([], hosts);
    expect(await lookup('RECEIVER.internal.')).toEqual([{ address: '192.88.99.8', family: 4 }]);
    expect(await lookup('localhost')).toEqual([{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]);
  });

  it('ends a lookup whose nameserver never answers at the caller’s deadline, as unresolvable', async () => {
    // c-ares left alone would wait 20 s: ending anywhere near the 300 ms deadline can only be the deadline's doing
    // (the bound is loose so a loaded machine's late timers do not fail it).
    const lookup = dnsLookup([dns.server], undefined, { timeout: 20_000, tries: 1 });
    const started = performance.now();
    const check = await resolveAndCheck('http://blackholed.example/', { lookup, signal: AbortSignal.timeout(300) });
    const ms = performance.now() - started;
    expect(check).toMatchObject({ ok: false, reason: 'unresolvable' });
    expect(!check.ok && check.detail).toBe('blackholed.example does not resolve (ETIMEOUT)');
    expect(ms).toBeGreaterThanOrEqual(280);
    expect(ms).toBeLessThan(10_000);
    expect(dns.queries).toContain('blackholed.example');
  });

  it('is bounded by the guard’s deadline even when a lookup ignores the signal', async () => {
    const never = () => new Promise<never>(() => undefined);
    const started = performance.now();
    expect(await resolveAndCheck('http://slow.example/', { lookup: never, signal: AbortSignal.timeout(100) })).toMatchObject({ reason: 'unresolvable' });
    expect(performance.now() - started).toBeLessThan(400);
  });

  it('answers an allowed localhost name with loopback without asking any resolver', async () => {
    const never = () => Promise.reject(new Error('asked DNS'));
    const allowHosts = new Set(['localhost:8080']);
    expect(await resolveAndCheck('http://localhost:8080/', { allowHosts, lookup: never })).toMatchObject({ ok: true, address: '127.0.0.1' });
  });
});
