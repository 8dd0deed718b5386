// The webhook routes of a real dish service process: the contract's answers, the write scope on every route, the
// address guard at registration, and bad input refused precisely with nothing stored. No URL here is ever contacted:
// registrations name loopback (refused, or allowed by WEBHOOK_ALLOW_HOSTS) or `.example` names, which resolve only
// through WEBHOOK_DNS_SERVERS on loopback, so no lookup leaves the machine.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_TYPES, MAX_WEBHOOKS_PER_RESTAURANT, WebhookStore, type Webhook } from '@dish-live/webhooks';
import { failedStart, killAllStarted, recordFigures, startDish, testRedis, type ServiceProcess } from '@dish-live/test-support';

const redis = testRedis('alerts-webhook-routes');
const DEPLOYMENT = 'alerts-routes-deployment-token-41c9';
/** The one host:port WEBHOOK_ALLOW_HOSTS lets through; nothing listens there and nothing connects to it. */
const ALLOWED = '127.0.0.1:9';
const RECEIVER = `http://${ALLOWED}/hook`;
const [A, B, C, FULL] = ['hooks-a', 'hooks-b', 'hooks-c', 'hooks-full'];

let svc: ServiceProcess;
const tokens: Record<string, string> = {};
const inspector = redis.connect();
const store = new WebhookStore(inspector, redis.prefix);
const tally = { badInputs: 0, fiveXx: 0 };

interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}
type Problem = { type: string; detail: string; reason?: string; errors?: { path: string; message: string }[] };

/** One request; `raw` sends exact bytes with `type` as Content-Type. */
async function send<T = Problem>(method: string, path: string, opts: { token?: string; json?: unknown; raw?: string; type?: string } = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const body = opts.raw ?? (opts.json === undefined ? undefined : JSON.stringify(opts.json));
  if (body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
  const res = await fetch(`${svc.url}${path}`, { method, headers, body });
  const text = await res.text();
  if (res.status >= 500) tally.fiveXx++;
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

const hooks = (rid: string) => `/api/restaurants/${rid}/webhooks`;
const register = (rid: string, json: unknown, token = DEPLOYMENT) => send<Problem & { id: string; url: string; secret: string }>('POST', hooks(rid), { token, json });
const list = async (rid: string) => (await send<Webhook[]>('GET', hooks(rid), { token: DEPLOYMENT })).body;

/** A request that must be refused with `status` (and `reason`, for a 422) and change nothing, in the API or in Redis. */
async function refused(rid: string, status: number, request: () => Promise<Answer<Problem>>, reason?: string): Promise<Answer<Problem>> {
  const [before, stored] = [await list(rid), await store.list(rid)];
  const res = await request();
  tally.badInputs++;
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  if (reason) expect(res.body.reason, res.text).toBe(reason);
  expect(await list(rid), `refused with ${status} yet the list changed`).toEqual(before);
  expect(await store.list(rid)).toEqual(stored);
  return res;
}

beforeAll(async () => {
  svc = await startDish({
    ...redis.env, KEY_PREFIX: redis.prefix, DISH_API_TOKENS: DEPLOYMENT, WRITE_RATE_PER_SEC: '0',
    // Port 1 on loopback: nothing unprivileged listens there, so every lookup fails at once, on this machine.
    WEBHOOK_ALLOW_HOSTS: ALLOWED, WEBHOOK_DNS_SERVERS: '127.0.0.1:1',
  });
  for (const id of [A, B, C, FULL]) {
    const created = await send<{ token: string }>('POST', '/api/restaurants', { token: DEPLOYMENT, json: { id, name: id } });
    expect(created.status, created.text).toBe(201);
    tokens[id] = created.body.token;
  }
}, 60_000);

afterAll(async () => {
  recordFigures(import.meta.url, { badInputsTried: tally.badInputs, fiveXxSeen: tally.fiveXx, crashes: svc?.crashed() ? 1 : 0 });
  await killAllStarted();
  inspector.disconnect();
});

describe('the webhook routes', () => {
  it('create: 201, Location, no-store, exactly {id, url, events, threshold, secret}, the URL normalised', async () => {
    const res = await register(A, { url: `HTTP://${ALLOWED}/hook?x=1#part`, events: ['dish.sold_out', 'stock.low'], threshold: 3 }, tokens[A]);
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get('location')).toBe(`${hooks(A)}/${res.body.id}`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(res.body)).toEqual(['id', 'url', 'events', 'threshold', 'secret']);
    expect(res.body).toMatchObject({ url: `http://${ALLOWED}/hook?x=1#part`, events: ['dish.sold_out', 'stock.low'], threshold: 3 });
    expect(res.body.id).toMatch(/^wh_[A-Za-z0-9_-]{16}$/);
    const [, b64 = ''] = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(res.body.secret) ?? [];
    expect(Buffer.from(b64, 'base64').length).toBeGreaterThanOrEqual(24);
    expect(Buffer.from(b64, 'base64').toString('base64')).toBe(b64);

    const defaults = await register(A, { url: RECEIVER });
    expect(defaults.status, defaults.text).toBe(201);
    expect(defaults.body).toMatchObject({ url: RECEIVER, events: [...ALERT_TYPES], threshold: 5 });
    expect(defaults.body.secret).not.toBe(res.body.secret);
  });

  it('list and get never show a secret; delete answers 204, then 404; a fresh webhook has no deliveries', async () => {
    const created = await register(A, { url: RECEIVER, events: ['dish.back_in_stock'] });
    const all = await send<Webhook[]>('GET', hooks(A), { token: tokens[A] });
    expect(all.status).toBe(200);
    expect(all.headers.get('cache-control')).toBe('no-store');
    expect(all.body.length).toBe(3);
    expect(all.body.at(-1)).toEqual({ id: created.body.id, url: RECEIVER, events: ['dish.back_in_stock'], threshold: 5, createdAt: expect.any(String) as string, disabled: null });
    for (const webhook of all.body) expect(Object.keys(webhook)).toEqual(['id', 'url', 'events', 'threshold', 'createdAt', 'disabled']);
    expect(all.text).not.toContain(created.body.secret.slice(6));
    const one = await send<Webhook>('GET', `${hooks(A)}/${created.body.id}`, { token: tokens[A] });
    expect(one.body).toEqual(all.body.at(-1));
    expect(one.text).not.toContain('secret');

    const deliveries = await send('GET', `${hooks(A)}/${created.body.id}/deliveries`, { token: tokens[A] });
    expect([deliveries.status, deliveries.body]).toEqual([200, []]);
    expect((await send('DELETE', `${hooks(A)}/${created.body.id}`, { token: tokens[A] })).status).toBe(204);
    for (const [method, path] of [['DELETE', ''], ['GET', ''], ['GET', '/deliveries']]) {
      expect((await send(method!, `${hooks(A)}/${created.body.id}${path}`, { token: tokens[A] })).status, `${method} after delete`).toBe(404);
    }
    expect((await list(A)).map((w) => w.id)).toEqual(all.body.slice(0, 2).map((w) => w.id));
    for (const id of ['wh_AAAAAAAAAAAAAAAA', 'wh_short', 'x']) expect((await send('GET', `${hooks(A)}/${id}`, { token: DEPLOYMENT })).status, id).toBe(404);
    expect((await send('GET', hooks('no-such-place'), { token: DEPLOYMENT })).status).toBe(404);
  });

  it("scopes every route: 401 without a token, 403 with another restaurant's, the deployment token anywhere", async () => {
    const [id] = (await list(A)).map((w) => w.id);
    const routes: [string, string, unknown?][] = [
      ['POST', hooks(A), { url: RECEIVER }], ['GET', hooks(A)], ['GET', `${hooks(A)}/${id}`], ['GET', `${hooks(A)}/${id}/deliveries`], ['DELETE', `${hooks(A)}/${id}`],
    ];
    for (const [method, path, json] of routes) {
      const none = await refused(A, 401, () => send(method, path, { json }));
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const other = await refused(A, 403, () => send(method, path, { json, token: tokens[B] }));
      expect(other.body.type).toBe('urn:dish-live:problem:forbidden-restaurant');
      await refused(A, 403, () => send(method, path, { json, token: 'not-a-token-of-anyone' }));
    }
    for (const [method, path, json] of routes) {
      expect((await send(method, path, { json, token: DEPLOYMENT })).status, `${method} ${path}`).toBeLessThan(300);
    }
  });

  it('refuses every loopback form at registration with 422 blocked-address naming loopback; only the allowed host:port passes', async () => {
    const loopback = [
      'http://127.0.0.1/', 'http://127.1/', 'http://2130706433/', 'http://0x7f.0.0.1/', 'http://localhost/', 'http://[::1]/',
      'http://[::ffff:127.0.0.1]/', 'http://localhost.:9/', 'http://kitchen.localhost/', 'https://127.0.0.2:9/', 'http://127.0.0.1:10/', 'http://[::1]:9/',
    ];
    for (const url of loopback) {
      const res = await refused(B, 422, () => register(B, { url }), 'blocked-address');
      expect(res.body.type).toBe('urn:dish-live:problem:webhook-url-refused');
      expect(res.body.detail, url).toMatch(/loopback/);
    }
    expect(await list(B)).toEqual([]);
    const allowed = await register(B, { url: `http://${ALLOWED}` }, tokens[B]);
    expect([allowed.status, allowed.body.url]).toEqual([201, `http://${ALLOWED}/`]);
  });

  it('refuses bad input with a precise 4xx and stores nothing', async () => {
    expect((await register(C, { url: RECEIVER })).status).toBe(201);
    const url = (value: string, reason: string) => refused(C, 422, () => register(C, { url: value }), reason);
    await url('https://u:p@hooks.example/', 'credentials');
    await url('https://token@hooks.example/', 'credentials');
    for (const value of ['ftp://hooks.example/', 'file:///etc/passwd', 'javascript:alert(1)', 'data:text/plain,hi']) await url(value, 'scheme');
    await url(`https://hooks.example/${'a'.repeat(10 * 1024)}`, 'too-long');
    for (const value of ['not a url', '', '/relative/path', 'http://']) await url(value, 'malformed');
    // Names that exist nowhere: the lookup goes to the loopback DNS of WEBHOOK_DNS_SERVERS only.
    for (const value of ['https://hooks.example/', 'https://receiver.test/a']) await url(value, 'unresolvable');

    const invalid = async (json: unknown, field: string) => {
      const res = await refused(C, 400, () => register(C, json));
      expect(res.body.errors?.map((e) => e.path), JSON.stringify(json)).toContain(field);
    };
    await invalid({}, 'url');
    await invalid({ url: 5 }, 'url');
    await invalid({ url: null }, 'url');
    await invalid({ url: RECEIVER, events: ['dish.deleted'] }, 'events.0');
    await invalid({ url: RECEIVER, events: [] }, 'events');
    await invalid({ url: RECEIVER, events: ['stock.low', 'stock.low'] }, 'events');
    await invalid({ url: RECEIVER, events: 'stock.low' }, 'events');
    for (const threshold of [0, -1, 1.5, 1_000_001, '5', null, 1e300]) await invalid({ url: RECEIVER, threshold }, 'threshold');
    await invalid({ url: RECEIVER, secret: 'whsec_mine' }, 'secret');
    await invalid({ url: RECEIVER, id: 'wh_AAAAAAAAAAAAAAAA' }, 'id');
    await invalid({ url: '\ud800' }, 'url');

    const raw = (status: number, body: string, type?: string) => refused(C, status, () => send('POST', hooks(C), { token: DEPLOYMENT, raw: body, type }));
    for (const body of ['{', '{"url":', 'url=http://x', '']) await raw(400, body);
    for (const body of ['[]', '"http://127.0.0.1:9/"', '{"url":"a","url":5}']) await raw(400, body);
    await raw(415, `url=${RECEIVER}`, 'application/x-www-form-urlencoded');
    await raw(415, RECEIVER, 'text/plain');
    await raw(413, JSON.stringify({ url: `https://hooks.example/${'a'.repeat(70 * 1024)}` }));
    expect(svc.alive()).toBe(true);
  });

  it(`refuses webhook ${MAX_WEBHOOKS_PER_RESTAURANT + 1} with 409 webhook-limit; one removed makes room`, async () => {
    for (let i = 0; i < MAX_WEBHOOKS_PER_RESTAURANT; i++) expect((await register(FULL, { url: `${RECEIVER}/${i}` })).status).toBe(201);
    const over = await refused(FULL, 409, () => register(FULL, { url: `${RECEIVER}/over` }));
    expect(over.body.type).toBe('urn:dish-live:problem:webhook-limit');
    const [first] = await list(FULL);
    expect((await send('DELETE', `${hooks(FULL)}/${first!.id}`, { token: tokens[FULL] })).status).toBe(204);
    expect((await register(FULL, { url: `${RECEIVER}/again` })).status).toBe(201);
    expect((await list(FULL)).length).toBe(MAX_WEBHOOKS_PER_RESTAURANT);
  });

  it('stops at start on a bad WEBHOOK_SECRET_KEY, naming it and never printing it', async () => {
    const key = `${randomBytes(30).toString('base64')}!`;
    const { code, output } = await failedStart('dish', { ...redis.env, KEY_PREFIX: redis.prefix, WEBHOOK_SECRET_KEY: key });
    expect(code).toBe(2);
    expect(output).toContain('WEBHOOK_SECRET_KEY');
    expect(output).not.toContain(key.slice(0, 16));
    expect(svc.output()).toContain('webhook secrets are stored unencrypted');
  });
});
