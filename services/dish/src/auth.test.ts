// The write-token check on its own: header forms, every configured token (plain or hashed), and no token configured.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTokenCheck } from './auth.js';

const sha256 = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');

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

  it('accepts a token configured by its SHA-256 (sha256:<hex>, either case) and never the hash itself', () => {
    const hashed = createTokenCheck([`sha256:${sha256('delta-token')}`, `SHA256:${sha256('epsilon').toUpperCase()}`, 'plain']);
    expect(hashed('Bearer delta-token')).toBe('ok');
    expect(hashed('Bearer epsilon')).toBe('ok');
    expect(hashed('Bearer plain')).toBe('ok');
    expect(hashed(`Bearer ${sha256('delta-token')}`)).toBe('invalid');
    expect(hashed(`Bearer sha256:${sha256('delta-token')}`)).toBe('invalid');
    expect(hashed('Bearer delta-toke')).toBe('invalid');
  });

  it('refuses everything when no token is configured', () => {
    expect(createTokenCheck([])('Bearer anything')).toBe('disabled');
  });
});
