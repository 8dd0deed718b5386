// Subscription tokens: HS256 and RS256 verified, expiry and categories read, anything else refused with a reason.
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { effectiveCategories, OPEN_GRANT, requestToken, restaurantAllowed, SubscriptionAuth } from './subscription-auth.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const now = () => Math.floor(Date.now() / 1000);
const hs = (claims: Record<string, unknown>, exp: number | null = now() + 60, secret = SECRET) => {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' });
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(new TextEncoder().encode(secret));
};

describe('SubscriptionAuth', () => {
  it('is off without a key, and lets everyone in with the open grant', async () => {
    const auth = await SubscriptionAuth.create({});
    expect(auth.enabled).toBe(false);
    expect(auth.required).toBe(false);
    expect(await auth.verify(undefined)).toEqual({ ok: true, grant: OPEN_GRANT });
  });

  it('requires a token by default once a key is set; SUBSCRIBE_TOKEN_REQUIRED=false makes it optional', async () => {
    expect((await SubscriptionAuth.create({ SUBSCRIBE_JWT_SECRET: SECRET })).required).toBe(true);
    const optional = await SubscriptionAuth.create({ SUBSCRIBE_JWT_SECRET: SECRET, SUBSCRIBE_TOKEN_REQUIRED: false });
    expect(await optional.verify(undefined)).toEqual({ ok: true, grant: OPEN_GRANT });
    // A token presented is still checked.
    expect((await optional.verify('garbage')).ok).toBe(false);
    await expect(SubscriptionAuth.create({ SUBSCRIBE_TOKEN_REQUIRED: true })).rejects.toThrow(/needs SUBSCRIBE_JWT_SECRET/);
  });

  it('verifies HS256: categories and exp read; wrong key, expired, missing exp, bad claims and other algorithms refused', async () => {
    const auth = await SubscriptionAuth.create({ SUBSCRIBE_JWT_SECRET: SECRET });
    const exp = now() + 60;
    expect(await auth.verify(await hs({ categories: ['b', 'a', 'a'] }, exp))).toEqual({ ok: true, grant: { restaurants: ['default'], categories: ['a', 'b'], expiresAt: exp * 1000 } });
    expect(await auth.verify(await hs({}, exp))).toEqual({ ok: true, grant: { restaurants: ['default'], categories: undefined, expiresAt: exp * 1000 } });
    expect(await auth.verify(await hs({ categories: [] }, exp))).toEqual({ ok: true, grant: { restaurants: ['default'], categories: [], expiresAt: exp * 1000 } });
    const refused = async (token: string) => {
      const r = await auth.verify(token);
      expect(r.ok).toBe(false);
      return r.ok ? '' : r.message;
    };
    expect(await refused(undefined as unknown as string)).toMatch(/required/);
    expect(await refused(await hs({}, exp, 'another-secret-of-at-least-32-chars!!'))).toMatch(/invalid/);
    expect(await refused(await hs({}, now() - 10))).toMatch(/expired/);
    expect(await refused(await hs({}, null))).toMatch(/invalid/);
    expect(await refused(await hs({ categories: 'a' }, exp))).toMatch(/categories/);
    expect(await refused(await hs({ categories: [1] }, exp))).toMatch(/categories/);
    expect(await refused(`${'x'.repeat(9000)}`)).toMatch(/too long/);
    expect(await refused('a.b.c')).toMatch(/invalid/);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"exp":${exp}}`).toString('base64url')}.`;
    expect(await refused(none)).toMatch(/invalid/);
  });

  it('verifies RS256 with a PEM public key and refuses an HS256 token signed with that key as a secret', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    const auth = await SubscriptionAuth.create({ SUBSCRIBE_JWT_PUBLIC_KEY: pem.replace(/\n/g, '\\n') });
    const exp = now() + 60;
    const token = await new SignJWT({ categories: ['x'] }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime(exp).sign(privateKey);
    expect(await auth.verify(token)).toEqual({ ok: true, grant: { restaurants: ['default'], categories: ['x'], expiresAt: exp * 1000 } });
    const confused = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(new TextEncoder().encode(pem));
    expect((await auth.verify(confused)).ok).toBe(false);
  });
});

describe('a token verified before', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Whether `promise` settles among the microtasks of this turn (answered from memory) or needs I/O to complete. */
  const settles = async (promise: Promise<unknown>) => {
    let settled = false;
    void promise.then(() => (settled = true));
    for (let i = 0; i < 20 && !settled; i++) await Promise.resolve();
    return settled ? 'this turn' : 'a later turn';
  };

  it('is answered from memory within the same turn, with the same grant, until it expires', async () => {
    const auth = await SubscriptionAuth.create({ SUBSCRIBE_JWT_SECRET: SECRET });
    const exp = now() + 60;
    const token = await hs({ restaurants: ['a'], categories: ['x'] }, exp);
    // The signature check itself ends on a later turn (jose's crypto is asynchronous): what a reconnect avoids.
    const first = auth.verify(token);
    expect(await settles(first)).toBe('a later turn');
    await first;
    expect(await settles(auth.verify(token))).toBe('this turn');
    const again = await auth.verify(token);
    expect(again).toEqual({ ok: true, grant: { restaurants: ['a'], categories: ['x'], expiresAt: exp * 1000 } });
    if (again.ok) expect(Object.isFrozen(again.grant) && Object.isFrozen(again.grant.restaurants)).toBe(true);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(exp * 1000 + 1);
    expect(await auth.verify(token)).toEqual({ ok: false, message: 'token expired' });
  });

  it('is remembered only when it was granted: a refused token is checked again each time', async () => {
    const auth = await SubscriptionAuth.create({ SUBSCRIBE_JWT_SECRET: SECRET });
    // Signed with another key; signed right but with a malformed claim.
    for (const token of [await hs({}, now() + 60, 'another-secret-of-at-least-32-chars!!'), await hs({ restaurants: ['UPPER'] }, now() + 60)]) {
      await auth.verify(token);
      const again = auth.verify(token);
      expect(await settles(again)).toBe('a later turn');
      expect((await again).ok).toBe(false);
    }
  });
});

describe('the restaurants claim', () => {
  it('names the restaurants a token reads: absent is default only, ["*"] every one, anything malformed refused', async () => {
    const auth = await SubscriptionAuth.create({ SUBSCRIBE_JWT_SECRET: SECRET });
    const exp = now() + 60;
    const grant = async (claims: Record<string, unknown>) => {
      const r = await auth.verify(await hs(claims, exp));
      if (!r.ok) throw new Error(r.message);
      return r.grant;
    };
    const a = await grant({ restaurants: ['a', 'b-2'] });
    expect([restaurantAllowed(a, 'a'), restaurantAllowed(a, 'b-2'), restaurantAllowed(a, 'default'), restaurantAllowed(a, 'c')]).toEqual([true, true, false, false]);
    const old = await grant({});
    expect([restaurantAllowed(old, 'default'), restaurantAllowed(old, 'a')]).toEqual([true, false]);
    const all = await grant({ restaurants: ['*'] });
    expect([restaurantAllowed(all, 'default'), restaurantAllowed(all, 'anything')]).toEqual([true, true]);
    expect(restaurantAllowed(OPEN_GRANT, 'x')).toBe(true);
    for (const bad of ['a', [1], ['UPPER'], ['*', 'a'], ['-a'], [''], null]) {
      const r = await auth.verify(await hs({ restaurants: bad }, exp));
      expect(r.ok ? '' : r.message).toMatch(/restaurants/);
    }
  });
});

describe('requestToken', () => {
  it('takes ?token= first, else a Bearer header, else none', () => {
    expect(requestToken(new URLSearchParams('token=q'), 'Bearer h')).toBe('q');
    expect(requestToken(new URLSearchParams('token='), 'bearer  h')).toBe('h');
    expect(requestToken(new URLSearchParams(''), 'Basic h')).toBeUndefined();
    expect(requestToken(new URLSearchParams(''), '')).toBeUndefined();
    expect(requestToken(new URLSearchParams(''), undefined)).toBeUndefined();
  });
});

describe('effectiveCategories', () => {
  it('is what was asked within what is allowed', () => {
    expect(effectiveCategories(undefined, undefined)).toBeUndefined();
    expect(effectiveCategories(['a'], undefined)).toEqual(['a']);
    expect(effectiveCategories(undefined, ['a', 'b'])).toEqual(['a', 'b']);
    expect(effectiveCategories(['a', 'c'], ['a', 'b'])).toEqual(['a']);
    expect(effectiveCategories(['c'], ['a'])).toEqual([]);
  });
});
