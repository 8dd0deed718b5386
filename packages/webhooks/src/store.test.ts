import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis } from '@dish-live/test-support';
import { DELIVERY_LOG_SIZE, MAX_WEBHOOKS_PER_RESTAURANT, WebhookLimitError, WebhookStore, webhookKeys, type DeliveryRecord } from './store.js';

const { url, prefix } = testRedis('webhook-store');
let redis: Redis;

beforeAll(() => {
  redis = new Redis(url);
});
afterAll(async () => {
  await redis.quit();
});

const hook = { url: 'https://hooks.example/a', events: ['dish.sold_out' as const], threshold: 3 };

describe('the webhook store', () => {
  it('keeps webhooks per restaurant, shows the secret once, and indexes the restaurants that have any', async () => {
    const key = randomBytes(32);
    const store = new WebhookStore(redis, `${prefix}a:`, key);
    const created = await store.create('noodles', hook);
    expect(created).toMatchObject({ ...hook, disabled: null });
    expect(created.id).toMatch(/^wh_[A-Za-z0-9_-]{16}$/);
    expect(created.secret).toMatch(/^whsec_/);

    const listed = await store.list('noodles');
    expect(listed).toEqual([{ id: created.id, ...hook, createdAt: created.createdAt, disabled: null }]);
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    // Redis holds the secret sealed: nothing of it is readable there.
    const raw = await redis.hget(webhookKeys(`${prefix}a:`, 'noodles').webhooks, created.id);
    expect(raw).not.toContain(created.secret.slice(6));
    expect((await store.get('noodles', created.id))?.secret).toBe(created.secret);
    expect(await store.get('other', created.id)).toBeUndefined();
    expect(await store.list('other')).toEqual([]);
    expect(await store.restaurants()).toEqual(['noodles']);

    // Without the key the same store cannot sign: it says why instead of sending a wrong signature.
    await expect(new WebhookStore(redis, `${prefix}a:`).get('noodles', created.id)).rejects.toThrow(/WEBHOOK_SECRET_KEY/);

    expect(await store.remove('noodles', created.id)).toBe(true);
    expect(await store.remove('noodles', created.id)).toBe(false);
    expect(await store.list('noodles')).toEqual([]);
    expect(await store.restaurants()).toEqual([]);
  });

  it('disables a webhook (410) but never brings back a removed one', async () => {
    const store = new WebhookStore(redis, `${prefix}b:`);
    const a = await store.create('r1', hook);
    const b = await store.create('r1', hook);
    await store.disable('r1', a.id, 'receiver answered 410 Gone');
    const listed = await store.list('r1');
    expect(listed.find((w) => w.id === a.id)?.disabled).toMatchObject({ reason: 'receiver answered 410 Gone' });
    expect(listed.find((w) => w.id === b.id)?.disabled).toBeNull();
    expect((await store.get('r1', a.id))?.disabled).not.toBeNull();
    await store.remove('r1', b.id);
    await store.disable('r1', b.id, 'late');
    expect(await redis.hexists(webhookKeys(`${prefix}b:`, 'r1').disabled, b.id)).toBe(0);
    // Only a disabled webhook left: nothing to deliver to, so the notifier need not follow the restaurant.
    expect(await store.restaurants()).toEqual([]);
    await store.create('r1', hook);
    expect(await store.restaurants()).toEqual(['r1']);
  });

  it("dates a webhook by Redis's clock, the clock of the stream ids its alerts are compared with", async () => {
    const store = new WebhookStore(redis, `${prefix}c:`);
    const [before] = await redis.time();
    const created = await store.create('r1', hook);
    const [after] = await redis.time();
    const at = Date.parse(created.createdAt) / 1000;
    expect(at).toBeGreaterThanOrEqual(Number(before));
    expect(at).toBeLessThanOrEqual(Number(after) + 1);
    expect((await store.list('r1'))[0]?.createdAt).toBe(created.createdAt);
  });

  it('refuses a webhook past the limit and keeps a bounded delivery log, newest first', async () => {
    const store = new WebhookStore(redis, `${prefix}c:`);
    const ids = [];
    for (let i = 0; i < MAX_WEBHOOKS_PER_RESTAURANT - 3; i++) ids.push((await store.create('r2', hook)).id);
    // Ten registrations at once for the last three places: three win, however they interleave.
    const racing = await Promise.allSettled(Array.from({ length: 10 }, () => store.create('r2', hook)));
    expect(racing.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(racing.filter((r) => r.status === 'rejected' && r.reason instanceof WebhookLimitError)).toHaveLength(7);
    await expect(store.create('r2', hook)).rejects.toBeInstanceOf(WebhookLimitError);
    expect(await store.list('r2')).toHaveLength(MAX_WEBHOOKS_PER_RESTAURANT);

    const id = ids[0]!;
    const record = (attempt: number): DeliveryRecord => ({
      alertId: 'r2/1-0/dish.sold_out',
      type: 'dish.sold_out',
      messageId: 'msg_x',
      attempt,
      status: 500,
      error: null,
      outcome: 'retrying',
      at: new Date(attempt).toISOString(),
    });
    for (let attempt = 1; attempt <= DELIVERY_LOG_SIZE + 5; attempt++) await store.recordDelivery('r2', id, record(attempt));
    const log = await store.deliveries('r2', id);
    expect(log).toHaveLength(DELIVERY_LOG_SIZE);
    expect(log[0]).toEqual(record(DELIVERY_LOG_SIZE + 5));
    expect(log.at(-1)?.attempt).toBe(6);
    expect(await redis.pttl(webhookKeys(`${prefix}c:`, 'r2').deliveries(id))).toBeGreaterThan(0);
    await store.remove('r2', id);
    expect(await store.deliveries('r2', id)).toEqual([]);
  });
});
