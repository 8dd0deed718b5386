// The verified-token memory: bounded, least recently used first out, an expired grant never served.
import { describe, expect, it } from 'vitest';
import type { Grant } from './subscription-auth.js';
import { VerifiedTokens } from './verified-tokens.js';

const grant = (expiresAt: number | undefined): Grant => ({ restaurants: ['a'], categories: undefined, expiresAt });

describe('VerifiedTokens', () => {
  it('keeps at most its capacity, dropping the least recently used', () => {
    const tokens = new VerifiedTokens(3);
    const g = grant(undefined);
    for (const t of ['t1', 't2', 't3']) tokens.add(t, g);
    expect(tokens.get('t1')).toBe(g);
    tokens.add('t4', g);
    expect(tokens.size).toBe(3);
    expect(tokens.get('t2')).toBeUndefined();
    expect([tokens.get('t1'), tokens.get('t3'), tokens.get('t4')]).toEqual([g, g, g]);
  });

  it('never serves a grant past its expiry, and forgets it', () => {
    const tokens = new VerifiedTokens(10);
    tokens.add('t', grant(1_000));
    expect(tokens.get('t', 999)).toBeDefined();
    expect(tokens.get('t', 1_000)).toBeUndefined();
    expect(tokens.size).toBe(0);
  });
});
