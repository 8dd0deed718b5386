// The write-token check on its own: header forms, every configured token, and no token configured.
import { describe, expect, it } from 'vitest';
import { createTokenCheck } from './auth.js';

describe('createTokenCheck', () => {
  const check = createTokenCheck(['alpha-token', 'beta-token']);

  it('accepts any configured token, case-insensitive scheme', () => {
    expect(check('Bearer alpha-token')).toBe('ok');
    expect(check('bearer beta-token')).toBe('ok');
  });

  it('tells a missing or malformed header from a wrong token', () => {
    expect(check(undefined)).toBe('missing');
    expect(check('')).toBe('missing');
    expect(check('Basic alpha-token')).toBe('missing');
    expect(check('Bearer')).toBe('missing');
    expect(check('Bearer gamma')).toBe('invalid');
    expect(check('Bearer alpha-token2')).toBe('invalid');
    expect(check('Bearer alpha-toke')).toBe('invalid');
  });

  it('refuses everything when no token is configured', () => {
    expect(createTokenCheck([])('Bearer anything')).toBe('disabled');
  });
});
