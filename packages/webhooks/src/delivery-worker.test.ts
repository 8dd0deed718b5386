// Every connection goes to a receiver this file starts on 127.0.0.1, let through by allowHosts; the refusals never connect.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Webhook as Verifier } from 'standardwebhooks';
import type { RedisClient } from '@dish-live/broker';
import { startDnsStub, testRedis, waitFor } from '@dish-live/test-support';
import type { AlertJob } from './alert-batch.js';
import { alertId, alertPayload, alertPayloadSchema, webhookMessageId } from './alert-message.js';
import { parseAllowHosts } from './address-guard.js';
import { attemptDelivery, GONE_REASON, type DeliveryDeps } from './delivery-worker.js';
import { dnsLookup } from './dns-lookup.js';
import { startReceiver, type Handler, type Receiver } from './receiver.test-helpers.js';
import { WebhookStore } from './store.js';

const redisAccess = testRedis('delivery-worker');
let redis: RedisClient;
const receivers: Receiver[] = [];

beforeAll(() => {
  redis = redisAccess.connect();
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
afterAll(async () => {
  await redis.quit();
});

async function receiver(handler: Handler): Promise<Receiver> {
  const started = await startReceiver(handler);
  receivers.push(started);
  return started;
}

const answer = (status: number): Handler => (_req, res) => void res.writeHead(status).end();
let n = 0;

/** A webhook to `url` in a store of its own, and one alert job for it; deps that let `allow` through the guard. */
async function setup(url: string, allow?: Receiver, options: { secretKey?: Buffer; deps?: Partial<DeliveryDeps> } = {}) {
  const store = new WebhookStore(redis, `${redisAccess.prefix}${n++}:`, options.secretKey);
  const webhook = await store.create('r1', { url, events: ['dish.sold_out'], threshold: 5 });
  const alert = alertId('r1', '1700000000000-0', 'dish.sold_out');
  const job: AlertJob = {
    restaurant: 'r1',
    webhookId: webhook.id,
    alertId: alert,
    type: 'dish.sold_out',
    messageId: webhookMessageId(alert, webhook.id),
    payload: alertPayload({ type: 'dish.sold_out', restaurant: 'r1', dish: { id: 'duck', name: 'Duck', stock: 0 }, eventId: '1700000000000-0', ts: 1_700_000_000_000 }),
  };
  const deps: DeliveryDeps = { store, allowHosts: parseAllowHosts(allow ? `127.0.0.1:${allow.port}` : ''), timeoutMs: 1000, ...options.deps };
  return { store, webhook, job, deps, log: () => store.deliveries('r1', webhook.id) };
}

describe('one delivery attempt', () => {
  it('POSTs the alert signed with the webhook secret and logs it delivered', async () => {
    const r = await receiver(answer(204));
    const { webhook, job, deps, log } = await setup(`http://127.0.0.1:${r.port}/hook?x=1`, r);
    expect(await attemptDelivery(job, 1, 8, deps)).toMatchObject({ outcome: 'delivered', status: 204, error: null });
    const [req] = r.received;
    expect(req?.path).toBe('/hook?x=1');
    const verified = new Verifier(webhook.secret).verify(req!.body, req!.headers as Record<string, string>);
    expect(alertPayloadSchema.parse(verified)).toEqual(job.payload);
    expect(req?.headers['webhook-id']).toBe(job.messageId);
    const entries = await log();
    expect(entries).toEqual([
      { alertId: job.alertId, type: 'dish.sold_out', messageId: job.messageId, attempt: 1, status: 204, error: null, outcome: 'delivered', at: entries[0]?.at },
    ]);
    expect(Date.parse(entries[0]!.at)).toBeGreaterThan(Date.now() - 10_000);
  });

  it('logs a failure as retrying until the last attempt, which is failed; every attempt carries the same webhook-id', async () => {
    const r = await receiver(answer(503));
    const { job, deps, log } = await setup(`http://127.0.0.1:${r.port}/`, r);
    expect((await attemptDelivery(job, 1, 3, deps)).outcome).toBe('retrying');
    expect((await attemptDelivery(job, 2, 3, deps)).outcome).toBe('retrying');
    expect(await attemptDelivery(job, 3, 3, deps)).toMatchObject({ outcome: 'failed', status: 503 });
    expect((await log()).map((e) => [e.attempt, e.outcome, e.status])).toEqual([[3, 'failed', 503], [2, 'retrying', 503], [1, 'retrying', 503]]);
    expect(new Set(r.received.map((req) => req.headers['webhook-id']))).toEqual(new Set([job.messageId]));
  });

  it('logs a timeout or a refused connection with its error', async () => {
    const r = await receiver(() => undefined);
    const { job, deps, log } = await setup(`http://127.0.0.1:${r.port}/`, r, { deps: { timeoutMs: 200 } });
    expect(await attemptDelivery(job, 1, 2, deps)).toMatchObject({ outcome: 'retrying', status: null, error: 'timeout after 200 ms' });
    const closed = await receiver(answer(200));
    const port = closed.port;
    await closed.close();
    const down = await setup(`http://127.0.0.1:${port}/`, closed);
    expect(await attemptDelivery(down.job, 2, 2, down.deps)).toMatchObject({ outcome: 'failed', error: 'ECONNREFUSED' });
    expect((await log())[0]?.error).toBe('timeout after 200 ms');
  });

  it('disables the webhook on 410 and drops its later jobs without an attempt or a log entry', async () => {
    const r = await receiver(answer(410));
    const { store, webhook, job, deps, log } = await setup(`http://127.0.0.1:${r.port}/`, r);
    expect(await attemptDelivery(job, 1, 8, deps)).toMatchObject({ outcome: 'gone', status: 410 });
    expect((await store.get('r1', webhook.id))?.disabled).toMatchObject({ reason: GONE_REASON });
    expect(await attemptDelivery(job, 2, 8, deps)).toEqual({ outcome: 'dropped', status: null, error: null });
    expect(r.received).toHaveLength(1);
    expect((await log()).map((e) => e.outcome)).toEqual(['gone']);

    // A removed webhook: the same.
    const other = await setup(`http://127.0.0.1:${r.port}/`, r);
    await other.store.remove('r1', other.webhook.id);
    expect((await attemptDelivery(other.job, 1, 8, other.deps)).outcome).toBe('dropped');
    expect(r.received).toHaveLength(1);
  });

  it('refuses, without connecting or retrying, an address the guard blocks: a literal, or a name that resolves to loopback now', async () => {
    const r = await receiver(answer(200));
    const literal = await setup(`http://127.0.0.1:${r.port}/`);
    const refused = await attemptDelivery(literal.job, 1, 8, literal.deps);
    expect(refused).toMatchObject({ outcome: 'refused', status: null });
    expect(refused.error).toMatch(/^blocked-address: .*loopback/);

    const lookup = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    const rebound = await setup(`http://rebound.test:${r.port}/`, undefined, { deps: { lookup } });
    const result = await attemptDelivery(rebound.job, 1, 8, rebound.deps);
    expect(result.outcome).toBe('refused');
    expect(result.error).toBe('blocked-address: rebound.test resolves to a loopback address');
    expect((await rebound.log())[0]).toMatchObject({ outcome: 'refused', attempt: 1 });
    expect(r.received).toHaveLength(0);
  });

  it('never POSTs again after a 2xx when the delivery log fails to take the entry: delivered, logged later, told', async () => {
    const r = await receiver(answer(200));
    const { store, job, deps, log } = await setup(`http://127.0.0.1:${r.port}/`, r);
    // The store's Redis refuses the first log entry, as a Redis that went away between the POST and the entry would.
    let refusals = 1;
    const record = store.recordDelivery.bind(store);
    store.recordDelivery = (...args) => (refusals-- > 0 ? Promise.reject(new Error('Connection is closed.')) : record(...args));
    const warnings: string[] = [];
    const logger = { warn: (_details: Record<string, unknown>, message: string) => void warnings.push(message) };

    // Resolving (not throwing) is what completes the queue's job: nothing tries the POST again.
    expect(await attemptDelivery(job, 1, 8, { ...deps, logger })).toMatchObject({ outcome: 'delivered', status: 200, error: null });
    expect(r.received).toHaveLength(1);
    expect(warnings).toEqual(['delivered, but the delivery log did not take the entry; writing it again later']);
    const entries = await waitFor('the entry written again', async () => { const e = await log(); return e.length > 0 && e; }, 2000);
    expect(entries.map((e) => [e.attempt, e.outcome, e.status])).toEqual([[1, 'delivered', 200]]);
    expect(r.received).toHaveLength(1);
  });

  it('keeps a hanging lookup inside the attempt’s deadline, and 16 of them at once do not delay a literal address', async () => {
    const dns = await startDnsStub();
    dns.silence('blackholed.test');
    try {
      const r = await receiver(answer(204));
      // c-ares alone would wait 20 s: what ends the lookups near the 1.5 s budget is the attempt's deadline.
      const lookup = dnsLookup([dns.server], undefined, { timeout: 20_000, tries: 1 });
      const hanging = await Promise.all(
        Array.from({ length: 16 }, (_, i) => setup(`http://hook-${i}.blackholed.test/`, undefined, { deps: { lookup, timeoutMs: 1500 } })),
      );
      const literal = await setup(`http://127.0.0.1:${r.port}/`, r, { deps: { lookup, timeoutMs: 1500 } });
      const started = performance.now();
      const timed = <T>(promise: Promise<T>) => promise.then((result) => ({ result, ms: performance.now() - started }));
      const slow = hanging.map((h) => timed(attemptDelivery(h.job, 1, 8, h.deps)));
      // Started after the sixteen lookups are in flight, as a busy notifier would.
      await waitFor('the sixteen names asked for (A and AAAA)', () => dns.queries.length >= 32, 2000);
      const quick = await timed(attemptDelivery(literal.job, 1, 8, literal.deps));
      expect(quick.result).toMatchObject({ outcome: 'delivered', status: 204 });
      const settled = await Promise.all(slow);
      // Delivered while every hanging lookup still waited: they did not hold it (ordering, not a stopwatch).
      expect(quick.ms).toBeLessThan(Math.min(...settled.map((s) => s.ms)));
      for (const { result, ms } of settled) {
        expect(result).toMatchObject({ outcome: 'retrying', status: null });
        expect(result.error).toMatch(/^unresolvable: hook-\d+\.blackholed\.test does not resolve \(ETIMEOUT\)$/);
        expect(ms).toBeGreaterThanOrEqual(1400);
        expect(ms).toBeLessThan(10_000);
      }
    } finally {
      await dns.close();
    }
  });

  it('retries a name that does not resolve, and a secret that cannot be opened, as failures', async () => {
    const lookup = () => Promise.reject(Object.assign(new Error('nx'), { code: 'ENOTFOUND' }));
    const nx = await setup('http://nowhere.test/', undefined, { deps: { lookup } });
    const unresolved = await attemptDelivery(nx.job, 1, 8, nx.deps);
    expect(unresolved.outcome).toBe('retrying');
    expect(unresolved.error).toMatch(/^unresolvable: /);

    const sealed = await setup('http://sealed.test/', undefined, { secretKey: randomBytes(32) });
    // The notifier started without the key the secret was sealed with.
    const keyless = { ...sealed.deps, store: new WebhookStore(redis, sealed.store.index.replace('{dl:webhooks}', '')) };
    const unsigned = await attemptDelivery(sealed.job, 8, 8, keyless);
    expect(unsigned.outcome).toBe('failed');
    expect(unsigned.error).toMatch(/WEBHOOK_SECRET_KEY/);
  });
});

