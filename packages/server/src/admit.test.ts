// One admission for both gateways: each step refuses with its own status and reason, holds no slot it did not grant,
// and what is granted is what the token allows of what was asked.
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { Gate, type AdmissionRequest, type RefusalReason } from './admit.js';
import { ConnectionLimits } from './connection-limits.js';
import { allowedOriginsEnv } from './origin.js';
import { SubscriptionAuth } from './subscription-auth.js';
import { parseTrustProxy } from './trusted-proxies.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';

async function gate(
  o: { strictQuery?: boolean; secret?: string; maxPerIp?: number; trust?: string; restaurantExists?: (id: string) => boolean | Promise<boolean> } = {},
) {
  const refused: RefusalReason[] = [];
  const limits = new ConnectionLimits(100, o.maxPerIp ?? 10, () => 3);
  const g = new Gate({
    allowedOrigins: allowedOriginsEnv.parse('https://dash.example'),
    trustProxy: parseTrustProxy(o.trust ?? '')!,
    limits,
    auth: await SubscriptionAuth.create(o.secret ? { SUBSCRIBE_JWT_SECRET: o.secret } : {}),
    strictQuery: o.strictQuery ?? true,
    restaurantExists: o.restaurantExists,
    onRefused: (reason) => refused.push(reason),
  });
  return { g, refused, limits };
}

const request = (over: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
  origin: undefined, host: 'gw.example', peer: '127.0.0.1', forwardedFor: undefined, authorization: undefined,
  query: new URLSearchParams(), ...over,
});

const token = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) + 60).sign(new TextEncoder().encode(SECRET));

describe('Gate.admit', () => {
  it('refuses a foreign origin with 403 before anything else, and counts it', async () => {
    const { g, refused, limits } = await gate();
    const verdict = await g.admit(request({ origin: 'https://evil.example' }));
    expect(verdict).toMatchObject({ ok: false, status: 403, reason: 'origin', slug: 'origin-not-allowed' });
    expect(refused).toEqual(['origin']);
    expect(limits.total, 'no slot taken').toBe(0);
    expect((await g.admit(request({ origin: 'https://dash.example' }))).ok).toBe(true);
    expect((await g.admit(request({ origin: 'https://gw.example' }))).ok, 'the page’s own origin').toBe(true);
  });

  it('refuses a bad query with 400 naming the field, or serves defaults and says why when the query is not strict', async () => {
    const strict = await gate();
    const query = new URLSearchParams('maxRate=fast&since=5-0');
    expect(await strict.g.admit(request({ query }))).toMatchObject({ ok: false, status: 400, reason: 'bad_query', extensions: { field: 'maxRate' } });
    expect(strict.limits.total).toBe(0);
    const lenient = await gate({ strictQuery: false });
    const verdict = await lenient.g.admit(request({ query }));
    expect(verdict).toMatchObject({ ok: true, options: {} });
    expect(verdict.ok && verdict.queryError).toMatch(/maxRate/);
  });

  it('takes a resume id carried beside the query over ?since', async () => {
    const { g } = await gate();
    const verdict = await g.admit(request({ query: new URLSearchParams('since=1-0'), resumeId: '9-0' }));
    expect(verdict).toMatchObject({ ok: true, options: { since: '9-0' } });
  });

  it('counts connections per client address (the forwarded one behind a trusted proxy) and refuses past the limit with 429 + Retry-After', async () => {
    const { g, refused, limits } = await gate({ maxPerIp: 1, trust: '127.0.0.1' });
    const first = await g.admit(request({ forwardedFor: '203.0.113.9' }));
    expect(first).toMatchObject({ ok: true, ip: '203.0.113.9' });
    expect(await g.admit(request({ forwardedFor: '203.0.113.9' }))).toMatchObject({ ok: false, status: 429, reason: 'per_ip', headers: { 'Retry-After': '3' } });
    expect((await g.admit(request({ forwardedFor: '203.0.113.10' }))).ok, 'another address').toBe(true);
    expect(refused).toEqual(['per_ip']);
    if (first.ok) first.release();
    expect(limits.count('203.0.113.9')).toBe(0);
  });

  it('refuses a missing or bad token with 401 and gives its slot back; a good one narrows the categories asked for', async () => {
    const { g, refused, limits } = await gate({ secret: SECRET });
    const missing = await g.admit(request());
    expect(missing).toMatchObject({ ok: false, status: 401, reason: 'unauthorized' });
    expect(!missing.ok && missing.headers['WWW-Authenticate']).toMatch(/^Bearer /);
    expect(await g.admit(request({ authorization: 'Bearer nonsense' }))).toMatchObject({ ok: false, status: 401 });
    expect(limits.total, 'refused tokens hold no slot').toBe(0);
    expect(refused).toEqual(['unauthorized', 'unauthorized']);
    const jwt = await token({ categories: ['mains', 'drinks'] });
    const verdict = await g.admit(request({ query: new URLSearchParams(`categories=mains,desserts&token=${jwt}`) }));
    expect(verdict).toMatchObject({ ok: true, requested: { categories: ['desserts', 'mains'] }, options: { categories: ['mains'] } });
    if (verdict.ok) expect(verdict.grant.expiresAt).toBeGreaterThan(Date.now());
  });

  it('refuses an unknown or malformed restaurant with 404 before any slot or token, and never asks about default', async () => {
    const asked: string[] = [];
    const { g, refused, limits } = await gate({
      secret: SECRET,
      restaurantExists: (id) => {
        asked.push(id);
        return id === 'bistro';
      },
    });
    for (const restaurant of ['nowhere', 'UPPER', '-dash', 'a'.repeat(41), '../default', '']) {
      const verdict = await g.admit(request({ restaurant }));
      expect(verdict, restaurant).toMatchObject({ ok: false, status: 404, reason: 'unknown_restaurant', slug: 'restaurant-not-found', title: 'Restaurant not found' });
    }
    expect(asked, 'only well-formed ids are looked up').toEqual(['nowhere']);
    expect(limits.total, 'no slot taken').toBe(0);
    expect(refused).toEqual(Array(6).fill('unknown_restaurant'));
    const all = await token({ restaurants: ['*'] });
    const bistro = await g.admit(request({ restaurant: 'bistro', authorization: `Bearer ${all}` }));
    expect(bistro).toMatchObject({ ok: true, restaurant: 'bistro' });
    const home = await g.admit(request({ authorization: `Bearer ${all}` }));
    expect(home).toMatchObject({ ok: true, restaurant: 'default' });
    expect(asked).toEqual(['nowhere', 'bistro']);
  });

  it('refuses a token for another restaurant with 403 forbidden-restaurant and gives its slot back; no token stays 401', async () => {
    const { g, refused, limits } = await gate({ secret: SECRET, restaurantExists: (id) => ['bistro', 'diner'].includes(id) });
    const forDiner = await token({ restaurants: ['diner'] });
    const verdict = await g.admit(request({ restaurant: 'bistro', authorization: `Bearer ${forDiner}` }));
    expect(verdict).toMatchObject({ ok: false, status: 403, reason: 'forbidden_restaurant', slug: 'forbidden-restaurant' });
    expect(!verdict.ok && verdict.detail).toMatch(/bistro/);
    expect(limits.total, 'refused scopes hold no slot').toBe(0);
    expect(await g.admit(request({ restaurant: 'bistro' }))).toMatchObject({ ok: false, status: 401, reason: 'unauthorized' });
    expect((await g.admit(request({ restaurant: 'diner', authorization: `Bearer ${forDiner}` }))).ok).toBe(true);
    // A first-wave token (no restaurants claim) reads default only.
    const firstWave = await token({});
    expect((await g.admit(request({ authorization: `Bearer ${firstWave}` }))).ok).toBe(true);
    expect(await g.admit(request({ restaurant: 'diner', authorization: `Bearer ${firstWave}` }))).toMatchObject({ status: 403 });
    expect(refused).toEqual(['forbidden_restaurant', 'unauthorized', 'forbidden_restaurant']);
  });

  it('serves default alone without a registry, and answers 503 when the registry cannot be read', async () => {
    const alone = await gate();
    expect(await alone.g.admit(request({ restaurant: 'bistro' }))).toMatchObject({ ok: false, status: 404 });
    expect((await alone.g.admit(request())).ok).toBe(true);
    const broken = await gate({ restaurantExists: () => Promise.reject(new Error('Connection is closed.')) });
    const verdict = await broken.g.admit(request({ restaurant: 'bistro' }));
    expect(verdict).toMatchObject({ ok: false, status: 503, reason: 'unavailable', headers: { 'Retry-After': expect.stringMatching(/^\d+$/) as string } });
    expect(broken.limits.total).toBe(0);
  });
});
