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

async function gate(o: { strictQuery?: boolean; secret?: string; maxPerIp?: number; trust?: string } = {}) {
  const refused: RefusalReason[] = [];
  const limits = new ConnectionLimits(100, o.maxPerIp ?? 10, () => 3);
  const g = new Gate({
    allowedOrigins: allowedOriginsEnv.parse('https://dash.example'),
    trustProxy: parseTrustProxy(o.trust ?? '')!,
    limits,
    auth: await SubscriptionAuth.create(o.secret ? { SUBSCRIBE_JWT_SECRET: o.secret } : {}),
    strictQuery: o.strictQuery ?? true,
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
});
