// Connection limits per process and per address, and the client address behind trusted proxies.
import { describe, expect, it } from 'vitest';
import { ConnectionLimits } from './connection-limits.js';

describe('ConnectionLimits', () => {
  it('refuses past the per-address limit with 429 and past the process limit with 503, and counts releases', () => {
    const limits = new ConnectionLimits(3, 2, () => 7);
    expect(limits.acquire('a').ok).toBe(true);
    expect(limits.acquire('a').ok).toBe(true);
    expect(limits.acquire('a')).toMatchObject({ ok: false, status: 429, reason: 'per_ip', retryAfterS: 7 });
    expect(limits.acquire('b').ok).toBe(true);
    expect(limits.acquire('c')).toMatchObject({ ok: false, status: 503, reason: 'full' });
    limits.release('a');
    expect(limits.total).toBe(2);
    expect(limits.acquire('c').ok).toBe(true);
    limits.release('a');
    limits.release('a');
    limits.release('nobody');
    expect(limits.count('a')).toBe(0);
    expect(limits.total).toBe(2);
  });

  it('admits with a release that gives the slot back once, however often it is called', () => {
    const limits = new ConnectionLimits(3, 1, () => 7);
    const first = limits.admit('a');
    const other = limits.admit('b');
    expect(limits.admit('a')).toMatchObject({ ok: false, status: 429, reason: 'per_ip', retryAfterS: 7 });
    if (!first.ok || !other.ok) throw new Error('expected both admitted');
    first.release();
    first.release();
    expect(limits.count('a')).toBe(0);
    expect(limits.count('b')).toBe(1);
    expect(limits.total).toBe(1);
  });
});
