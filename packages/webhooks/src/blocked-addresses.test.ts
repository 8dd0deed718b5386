import { describe, expect, it } from 'vitest';
import { blockedAddress, type AddressClass } from './blocked-addresses.js';

describe('blockedAddress', () => {
  const blocked: [string, AddressClass][] = [
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'this-network'],
    ['10.1.2.3', 'private'],
    ['100.64.0.1', 'carrier-grade-nat'],
    ['100.127.255.254', 'carrier-grade-nat'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.8', 'ietf-protocol-assignments'],
    ['192.0.2.1', 'documentation'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::7f00:1', 'reserved'],
    ['64:ff9b:1::a', 'private'],
    ['100::1', 'reserved'],
    ['2001:2::1', 'benchmarking'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
  ];
  it.each(blocked)('names %s as %s', (address, addressClass) => {
    expect(blockedAddress(address)).toEqual({ addressClass });
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback', '127.0.0.1'],
    ['::ffff:7f00:1', 'loopback', '127.0.0.1'],
    ['0:0:0:0:0:ffff:a00:1', 'private', '10.0.0.1'],
    ['::ffff:169.254.169.254', 'link-local', '169.254.169.254'],
    ['::ffff:0.0.0.0', 'unspecified', '0.0.0.0'],
    ['64:ff9b::7f00:1', 'loopback', '127.0.0.1'],
    ['64:ff9b::192.168.0.1', 'private', '192.168.0.1'],
  ])('judges %s by the IPv4 address it carries (%s)', (address, addressClass, embeddedIPv4) => {
    expect(blockedAddress(address)).toEqual({ addressClass, embeddedIPv4 });
  });

  it.each(['1.1.1.1', '8.8.8.8', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '198.17.255.255',
    '198.20.0.0', '223.255.255.255', '2606:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
    'lets %s through',
    (address) => {
      expect(blockedAddress(address)).toBeUndefined();
    },
  );

  it('throws on what is not an IP address', () => {
    expect(() => blockedAddress('localhost')).toThrow(TypeError);
    expect(() => blockedAddress('127.1')).toThrow(TypeError);
  });
});
