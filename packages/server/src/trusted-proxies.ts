// Which peers may name the client in X-Forwarded-For: exactly the proxies a deployment lists (addresses or subnets).
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { normalizeAddress } from './address.js';

const TRUST_PROXY_FORMAT = 'a comma-separated list of addresses or subnets (127.0.0.1, 172.28.0.0/16, ::1), or nothing';

/** The trusted proxies, or undefined when `value` is not a list of addresses and subnets. Empty: trust nobody. */
export function parseTrustProxy(value: string): BlockList | undefined {
  const list = new BlockList();
  for (const entry of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [address = '', bits, extra] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || extra !== undefined) return undefined;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const prefix = Number(bits);
    if (!/^\d{1,3}$/.test(bits) || prefix > (family === 4 ? 32 : 128)) return undefined;
    list.addSubnet(address, prefix, type);
  }
  return list;
}

/** TRUST_PROXY as every service reads it: the list parsed, or a configuration error naming the format. */
export const trustProxyEnv = z
  .string()
  .default('')
  .transform((v, ctx) => parseTrustProxy(v) ?? (ctx.addIssue({ code: 'custom', message: TRUST_PROXY_FORMAT }), z.NEVER));

export function isTrusted(address: string, trusted: BlockList): boolean {
  const a = normalizeAddress(address);
  const family = isIP(a);
  return family !== 0 && trusted.check(a, family === 4 ? 'ipv4' : 'ipv6');
}
