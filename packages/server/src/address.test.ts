// The client address: one spelling for both transports, and X-Forwarded-For believed only from listed proxies.
import { describe, expect, it } from 'vitest';
import { clientAddress, normalizeAddress } from './address.js';
import { parseTrustProxy, trustProxyEnv } from './trusted-proxies.js';

const trust = (list: string) => parseTrustProxy(list)!;

describe('normalizeAddress', () => {
  it('normalizes uWS and node spellings alike', () => {
    expect(normalizeAddress('0000:0000:0000:0000:0000:ffff:7f00:0001')).toBe('127.0.0.1');
    expect(normalizeAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeAddress('0000:0000:0000:0000:0000:0000:0000:0001')).toBe('::1');
    expect(normalizeAddress('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
  });
});

describe('clientAddress', () => {
  it('trusts nobody by default: a made-up X-Forwarded-For changes nothing', () => {
    const nobody = trust('');
    for (const peer of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '172.18.0.5', '10.1.2.3', '192.168.1.9']) {
      expect(clientAddress(peer, '203.0.113.9', nobody), peer).toBe(normalizeAddress(peer));
    }
  });

  it('believes X-Forwarded-For only from the listed proxies, from the right', () => {
    const nginx = trust('172.28.0.2, 127.0.0.1');
    expect(clientAddress('172.28.0.2', '203.0.113.9', nginx)).toBe('203.0.113.9');
    expect(clientAddress('::ffff:127.0.0.1', '203.0.113.9', nginx)).toBe('203.0.113.9');
    // Only the hop the proxy appended counts: what the client wrote before it is not believed.
    expect(clientAddress('172.28.0.2', '1.1.1.1, 203.0.113.9', nginx)).toBe('203.0.113.9');
    // A neighbour on the proxy's network is not the proxy.
    expect(clientAddress('172.28.0.3', '203.0.113.9', nginx)).toBe('172.28.0.3');
    expect(clientAddress('127.0.0.1', 'not-an-ip', nginx)).toBe('127.0.0.1');
  });

  it('takes subnets, and follows a chain of trusted proxies', () => {
    const subnet = trust('10.0.0.0/8, fd00::/8');
    expect(clientAddress('10.0.0.7', '203.0.113.9, 10.9.9.9', subnet)).toBe('203.0.113.9');
    expect(clientAddress('fd00::5', '203.0.113.9', subnet)).toBe('203.0.113.9');
    expect(clientAddress('11.0.0.1', '203.0.113.9', subnet)).toBe('11.0.0.1');
  });
});

describe('TRUST_PROXY', () => {
  it('accepts addresses and subnets, and nothing else', () => {
    expect(trustProxyEnv.safeParse('').success).toBe(true);
    expect(trustProxyEnv.safeParse('127.0.0.1, ::1, 172.28.0.0/16').success).toBe(true);
    for (const bad of ['true', 'loopback', '2', '10.0.0.0/33', '::1/129', 'example.com', '1.2.3.4/8/1']) {
      expect(trustProxyEnv.safeParse(bad).success, bad).toBe(false);
    }
  });
});
