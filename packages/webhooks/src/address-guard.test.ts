// Only the checker is called here: no test connects anywhere, whatever address a URL names.
import { describe, expect, it } from 'vitest';
import {
  MAX_WEBHOOK_URL_LENGTH,
  checkWebhookUrl,
  parseAllowHosts,
  resolveAndCheck,
  type Lookup,
} from './address-guard.js';

const resolvesTo =
  (...addresses: string[]): Lookup =>
  (hostname) => {
    if (hostname !== 'hooks.example.com') throw new Error(`unexpected lookup of ${hostname}`);
    return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
const noLookup: Lookup = (hostname) => Promise.reject(new Error(`no DNS wanted, asked for ${hostname}`));

describe('checkWebhookUrl', () => {
  it('accepts http and https URLs with a public host and keeps the parsed URL', () => {
    const check = checkWebhookUrl('https://Hooks.Example.com:8443/alerts?x=1');
    expect(check).toEqual({ ok: true, url: new URL('https://hooks.example.com:8443/alerts?x=1') });
    expect(checkWebhookUrl('http://93.184.215.14/hook').ok).toBe(true);
  });

  it.each(['ftp://hooks.example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'ws://hooks.example.com/',
    'data:text/plain,x', 'gopher://hooks.example.com/'])('refuses the scheme of %s', (raw) => {
    expect(checkWebhookUrl(raw)).toMatchObject({ ok: false, reason: 'scheme' });
  });

  it.each(['https://user:pass@hooks.example.com/', 'https://user@hooks.example.com/', 'https://:pass@hooks.example.com/'])(
    'refuses credentials in %s',
    (raw) => {
      expect(checkWebhookUrl(raw)).toMatchObject({ ok: false, reason: 'credentials' });
    },
  );

  it.each(['', 'hooks.example.com/alerts', '/alerts', 'https://', 'http://[::1/', 'http://exa mple.com/', 'https://999.1.1.1.1/x'])(
    'refuses %j as malformed',
    (raw) => {
      expect(checkWebhookUrl(raw)).toMatchObject({ ok: false, reason: 'malformed' });
    },
  );

  it('refuses URLs longer than the limit, before or after normalising, and accepts one at the limit', () => {
    const base = 'https://hooks.example.com/';
    const atLimit = base + 'a'.repeat(MAX_WEBHOOK_URL_LENGTH - base.length);
    expect(checkWebhookUrl(atLimit).ok).toBe(true);
    expect(checkWebhookUrl(atLimit + 'a')).toMatchObject({ ok: false, reason: 'too-long' });
    expect(checkWebhookUrl(base + 'a'.repeat(10 * 1024))).toMatchObject({ ok: false, reason: 'too-long' });
    // Each space becomes "%20": short as typed, too long as stored.
    expect(checkWebhookUrl(base + ' x'.repeat(700))).toMatchObject({ ok: false, reason: 'too-long' });
  });

  // The WHATWG parser turns every one of these into 127.0.0.1 or ::1 (or ::ffff:7f00:1).
  it.each([
    'http://127.0.0.1/', 'http://127.1/', 'http://2130706433/', 'http://0x7f.0.0.1/', 'http://0x7f000001/',
    'http://0177.0.0.1/', 'http://127.000.000.001/', 'http://127.0.0.1./', 'http://127%2E0.0.1/', 'http://127.255.0.9:8080/',
    'http://[::1]/', 'http://[0:0:0:0:0:0:0:1]/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/',
    'http://[64:ff9b::127.0.0.1]/', 'https://localhost/', 'http://LOCALHOST:3000/', 'http://localhost./',
    'http://api.localhost/', 'http://a.b.localhost./', 'http://ｌｏｃａｌｈｏｓｔ/',
  ])('refuses %s as loopback', (raw) => {
    expect(checkWebhookUrl(raw)).toMatchObject({ ok: false, reason: 'blocked-address', addressClass: 'loopback' });
  });

  it.each([
    ['http://0.0.0.0/', 'unspecified'],
    ['http://0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://10.0.0.1/', 'private'],
    ['http://172.16.5.4/', 'private'],
    ['http://192.168.0.1/', 'private'],
    ['http://[::ffff:192.168.0.1]/', 'private'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://[fd00::1]/', 'unique-local'],
    ['http://100.64.1.1/', 'carrier-grade-nat'],
    ['http://224.0.0.251/', 'multicast'],
    ['http://[ff02::1]/', 'multicast'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://198.18.0.1/', 'benchmarking'],
    ['http://192.0.0.1/', 'ietf-protocol-assignments'],
    ['http://192.0.2.1/', 'documentation'],
  ])('refuses %s as %s, naming the class', (raw, addressClass) => {
    const check = checkWebhookUrl(raw);
    expect(check).toMatchObject({ ok: false, reason: 'blocked-address', addressClass });
    expect(!check.ok && check.detail).toContain(addressClass);
  });

  it('leaves a name that is not localhost to the resolving check', () => {
    expect(checkWebhookUrl('http://localhost.example.com/').ok).toBe(true);
    expect(checkWebhookUrl('http://127.0.0.1.nip.io/').ok).toBe(true);
  });

  it('lets an allowed host:port through the address check only, matching host and effective port exactly', () => {
    const allowHosts = parseAllowHosts('127.0.0.1:8080, localhost:80 [::1]:9000');
    expect(checkWebhookUrl('http://127.0.0.1:8080/hook', { allowHosts }).ok).toBe(true);
    expect(checkWebhookUrl('http://127.1:8080/hook', { allowHosts }).ok).toBe(true);
    expect(checkWebhookUrl('http://localhost/hook', { allowHosts }).ok).toBe(true);
    expect(checkWebhookUrl('http://[::1]:9000/', { allowHosts }).ok).toBe(true);
    expect(checkWebhookUrl('http://127.0.0.1:8081/', { allowHosts })).toMatchObject({ reason: 'blocked-address' });
    expect(checkWebhookUrl('https://localhost/', { allowHosts })).toMatchObject({ reason: 'blocked-address' });
    expect(checkWebhookUrl('http://127.0.0.2:8080/', { allowHosts })).toMatchObject({ reason: 'blocked-address' });
    expect(checkWebhookUrl('http://u:p@127.0.0.1:8080/', { allowHosts })).toMatchObject({ reason: 'credentials' });
    expect(checkWebhookUrl('ftp://127.0.0.1:8080/', { allowHosts })).toMatchObject({ reason: 'scheme' });
  });
});

describe('parseAllowHosts', () => {
  it('normalises entries the way URLs are normalised', () => {
    expect(parseAllowHosts('127.1:80,LOCALHOST:3000,[0::1]:443, receiver:8080')).toEqual(
      new Set(['127.0.0.1:80', 'localhost:3000', '[::1]:443', 'receiver:8080']),
    );
    expect(parseAllowHosts(undefined).size).toBe(0);
    expect(parseAllowHosts(' , ').size).toBe(0);
  });

  it.each(['localhost', '127.0.0.1', '::1:80', 'h:1:2', 'host:0', 'host:65536', 'a/b:80', 'u@host:80', 'http://host:80', ':80'])(
    'refuses %j, naming the variable',
    (entry) => {
      expect(() => parseAllowHosts(entry)).toThrow(/WEBHOOK_ALLOW_HOSTS/);
    },
  );
});

describe('resolveAndCheck', () => {
  it('returns the one address to connect to for a name that resolves to public addresses', async () => {
    const check = await resolveAndCheck('https://hooks.example.com/a', { lookup: resolvesTo('93.184.215.14', '2606:2800::1') });
    expect(check).toMatchObject({ ok: true, address: '93.184.215.14', family: 4 });
    expect(check.ok && check.url.href).toBe('https://hooks.example.com/a');
  });

  it('refuses a name if any address it resolves to is blocked (a rebinding name is caught at delivery)', async () => {
    const check = await resolveAndCheck('https://hooks.example.com/a', { lookup: resolvesTo('93.184.215.14', '127.0.0.1') });
    expect(check).toMatchObject({ ok: false, reason: 'blocked-address', addressClass: 'loopback' });
    expect(!check.ok && check.detail).toBe('hooks.example.com resolves to a loopback address');
    const mapped = await resolveAndCheck('https://hooks.example.com/', { lookup: resolvesTo('::ffff:10.0.0.7') });
    expect(mapped).toMatchObject({ reason: 'blocked-address', addressClass: 'private' });
    // The class and the name, never the internal address a name led to (nor the IPv4 address it carries).
    expect(!mapped.ok && mapped.detail).toBe('hooks.example.com resolves to a private address (an IPv6 address carrying an IPv4 address)');
    expect(!mapped.ok && mapped.detail).not.toMatch(/10\.0\.0\.7|ffff/);
    expect(await resolveAndCheck('https://hooks.example.com/', { lookup: resolvesTo('fe80::1%eth0') })).toMatchObject({
      addressClass: 'link-local',
    });
  });

  it('refuses a name that resolves to 127.0.0.1 only', async () => {
    expect(await resolveAndCheck('http://hooks.example.com:8080/', { lookup: resolvesTo('127.0.0.1') })).toMatchObject({
      ok: false,
      reason: 'blocked-address',
      addressClass: 'loopback',
    });
  });

  it('refuses localhost names without asking DNS', async () => {
    expect(await resolveAndCheck('http://localhost:1/', { lookup: noLookup })).toMatchObject({ addressClass: 'loopback' });
    expect(await resolveAndCheck('http://x.localhost/', { lookup: noLookup })).toMatchObject({ addressClass: 'loopback' });
  });

  it('answers an IP literal without DNS', async () => {
    expect(await resolveAndCheck('http://93.184.215.14/', { lookup: noLookup })).toMatchObject({
      ok: true,
      address: '93.184.215.14',
      family: 4,
    });
    expect(await resolveAndCheck(new URL('http://[2606:2800::1]:81/'), { lookup: noLookup })).toMatchObject({
      ok: true,
      address: '2606:2800::1',
      family: 6,
    });
    expect(await resolveAndCheck('http://2130706433/', { lookup: noLookup })).toMatchObject({ reason: 'blocked-address' });
  });

  it('refuses what the form check refuses before asking DNS', async () => {
    expect(await resolveAndCheck('ftp://hooks.example.com/', { lookup: noLookup })).toMatchObject({ reason: 'scheme' });
    expect(await resolveAndCheck('http://u:p@hooks.example.com/', { lookup: noLookup })).toMatchObject({ reason: 'credentials' });
  });

  it('says unresolvable when DNS fails or answers nothing', async () => {
    const failing: Lookup = () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
    const check = await resolveAndCheck('https://hooks.example.com/', { lookup: failing });
    expect(check).toMatchObject({ ok: false, reason: 'unresolvable' });
    expect(!check.ok && check.detail).toContain('ENOTFOUND');
    expect(await resolveAndCheck('https://hooks.example.com/', { lookup: resolvesTo() })).toMatchObject({ reason: 'unresolvable' });
  });

  it('lets an allowed host:port resolve anywhere, and connects to what it resolved to', async () => {
    const allowHosts = parseAllowHosts('hooks.example.com:8080');
    expect(await resolveAndCheck('http://hooks.example.com:8080/', { allowHosts, lookup: resolvesTo('127.0.0.1') })).toMatchObject({
      ok: true,
      address: '127.0.0.1',
    });
    expect(await resolveAndCheck('http://hooks.example.com:8081/', { allowHosts, lookup: resolvesTo('127.0.0.1') })).toMatchObject({
      reason: 'blocked-address',
    });
  });
});
