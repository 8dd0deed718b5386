import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSecret, parseSecretKey, sealSecret, SecretKeyError } from './secret-box.js';
import { newWebhookSecret } from './signature.js';

describe('webhook secrets at rest', () => {
  const key = randomBytes(32);

  it('seals with the key so the stored form shows nothing of the secret, and opens only with that key', () => {
    const secret = newWebhookSecret();
    const stored = sealSecret(secret, key);
    expect(stored).toMatch(/^v1:/);
    expect(stored).not.toContain(secret.slice(6, 20));
    expect(sealSecret(secret, key)).not.toBe(stored); // a fresh IV each time
    expect(openSecret(stored, key)).toBe(secret);
    expect(() => openSecret(stored, randomBytes(32))).toThrow(SecretKeyError);
    expect(() => openSecret(stored, undefined)).toThrow(/WEBHOOK_SECRET_KEY is not set/);
    const tampered = stored.slice(0, -4) + (stored.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => openSecret(tampered, key)).toThrow(SecretKeyError);
  });

  it('keeps the secret as is without a key, and still opens it once a key is set', () => {
    const stored = sealSecret('whsec_abc', undefined);
    expect(stored).toBe('plain:whsec_abc');
    expect(openSecret(stored, undefined)).toBe('whsec_abc');
    expect(openSecret(stored, key)).toBe('whsec_abc');
  });

  it('reads WEBHOOK_SECRET_KEY as 64 hex digits or base64 of 32 bytes, and names a bad one', () => {
    expect(parseSecretKey(undefined)).toBeUndefined();
    expect(parseSecretKey('')).toBeUndefined();
    expect(parseSecretKey(key.toString('hex'))).toEqual(key);
    expect(parseSecretKey(key.toString('base64'))).toEqual(key);
    for (const bad of ['short', randomBytes(16).toString('base64'), `${key.toString('hex')}00`, `${key.toString('base64')}x`]) {
      expect(() => parseSecretKey(bad), bad).toThrow(/WEBHOOK_SECRET_KEY must be 32 bytes/);
    }
  });
});
