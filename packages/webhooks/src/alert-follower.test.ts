import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EventLog, ShardSubscriber } from '@dish-live/broker';
import { testRedis, waitFor } from '@dish-live/test-support';
import type { AlertJob } from './alert-batch.js';
import { AlertFollower, type AlertFollowerOptions } from './alert-follower.js';
import { NotifierState } from './notifier-keys.js';
import { WebhookStore } from './store.js';

const { url, prefix: base } = testRedis('alert-follower');
let redis: Redis;
let subscriber: Redis;
const started: AlertFollower[] = [];
let n = 0;

beforeAll(() => {
  redis = new Redis(url);
  subscriber = new Redis(url, { maxRetriesPerRequest: null });
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((f) => f.stop()));
});
afterAll(async () => {
  await Promise.all([redis.quit(), subscriber.quit()]);
});

const quiet = { info: () => undefined, warn: () => undefined };

/** A queue as BullMQ keeps one: a job id already there is not added again. */
class FakeQueue {
  readonly jobs = new Map<string, AlertJob>();
  calls = 0;
  add = (jobs: readonly AlertJob[]) => {
    this.calls++;
    for (const job of jobs) if (!this.jobs.has(job.messageId)) this.jobs.set(job.messageId, job);
    return Promise.resolve();
  };
  get list() {
    return [...this.jobs.values()].map((j) => [j.payload.data.dish.id, j.type, j.payload.data.dish.stock]);
  }
}

function world() {
  const prefix = `${base}${n++}:`;
  const store = new WebhookStore(redis, prefix);
  const state = new NotifierState(redis, prefix);
  const logOf = (restaurant: string) => new EventLog(redis, { prefix, restaurant });
  const follower = (enqueue: AlertFollowerOptions['enqueue'], more: Partial<AlertFollowerOptions> = {}) => {
    const f = new AlertFollower({
      store, state, logOf, enqueue, logger: quiet, channels: new ShardSubscriber(subscriber), indexMs: 100, pollMs: 300, retryMs: 50, ...more,
    });
    started.push(f);
    return f;
  };
  return { prefix, store, state, logOf, follower };
}

const hook = { url: 'https://hooks.example/a', events: ['stock.low' as const, 'dish.sold_out' as const, 'dish.back_in_stock' as const], threshold: 5 };

describe('following logs for alerts', () => {
  it('starts from a snapshot once a restaurant has a webhook, then queues each transition once, in stream order', async () => {
    const { store, logOf, follower } = world();
    const log = logOf('r1');
    await log.createDish({ id: 'duck', name: 'Duck', category: 'mains', price: 100, stock: 10 });
    await log.updateDish('duck', { stock: 0 });
    const queue = new FakeQueue();
    const f = follower(queue.add);
    await f.start();
    expect(f.restaurants).toEqual([]);
    expect(f.following).toBe(true);

    await store.create('r1', hook);
    await waitFor('r1 followed', () => f.position('r1'), 5000);
    // Sold out before the webhook: nothing. From here on, everything.
    const wrote = Date.now();
    await log.updateDish('duck', { stock: 3 });
    await waitFor('back in stock', () => queue.jobs.size === 1, 5000);
    // Woken by the publish, not by the poll.
    expect(Date.now() - wrote).toBeLessThan(250);
    await log.applyOrder('o1', [{ dishId: 'duck', qty: 3 }]);
    await log.updateDish('duck', { stock: 9 });
    await log.updateDish('duck', { stock: 2 });
    await log.appendChat({ author: 'k', text: 'chat raises nothing' });
    await log.deleteDish('duck');
    await log.createDish({ id: 'duck', name: 'Duck', category: 'mains', price: 100, stock: 0 });
    await log.updateDish('duck', { stock: 1 });
    await waitFor('every alert', async () => f.position('r1') === (await log.lastId()), 5000);
    expect(queue.list).toEqual([
      ['duck', 'dish.back_in_stock', 3],
      ['duck', 'dish.sold_out', 0],
      ['duck', 'dish.back_in_stock', 9],
      ['duck', 'stock.low', 2],
      ['duck', 'dish.back_in_stock', 1],
    ]);
  });

  it('reads a batch again when its place was not stored, queueing none of its jobs twice; a new follower resumes', async () => {
    const { store, logOf, follower, state } = world();
    const log = logOf('r2');
    await log.createDish({ id: 'soup', name: 'Soup', category: 'soups', price: 100, stock: 50 });
    await store.create('r2', hook);
    const queue = new FakeQueue();
    let failures = 0;
    // Jobs stored, then the "process" fails before it can store its place: the next read queues the same ids.
    const crashy = async (jobs: readonly AlertJob[]) => {
      await queue.add(jobs);
      if (failures++ < 2) throw new Error('crashed after queueing');
    };
    const first = follower(crashy);
    await first.start();
    await waitFor('r2 followed', () => first.position('r2'), 5000);
    for (let stock = 49; stock >= 0; stock--) await log.applyOrder(`o${stock}`, [{ dishId: 'soup', qty: 1 }]);
    await waitFor('caught up', async () => first.position('r2') === (await log.lastId()), 5000);
    expect(queue.calls).toBeGreaterThan(2);
    expect(queue.list).toEqual([['soup', 'stock.low', 4], ['soup', 'dish.sold_out', 0]]);
    await first.stop();

    // Down while the kitchen restocks: the next follower reads it from the stored place.
    await log.updateDish('soup', { stock: 20 });
    const second = follower(queue.add);
    await second.start();
    await waitFor('the restock', () => queue.jobs.size === 3, 5000);
    expect(queue.list.at(-1)).toEqual(['soup', 'dish.back_in_stock', 20]);
    expect((await state.load('r2'))?.stock.get('soup')).toBe(20);
  });

  it('queues the alerts of events between a registration and the first follow, none from before it', async () => {
    const { store, logOf, follower } = world();
    const log = logOf('r4');
    await log.createDish({ id: 'a', name: 'A', category: 'c', price: 100, stock: 10 });
    await log.createDish({ id: 'b', name: 'B', category: 'c', price: 100, stock: 10 });
    await log.updateDish('a', { stock: 0 });
    await new Promise((r) => setTimeout(r, 5));
    await store.create('r4', hook);
    await new Promise((r) => setTimeout(r, 5));
    // Before the notifier notices the restaurant: a sale (its stock before is known: 10) and updates of `a`, whose
    // first one here has no known stock before (no alert), the second one has (3 → 0).
    await log.applyOrder('o1', [{ dishId: 'b', qty: 10 }]);
    await log.updateDish('a', { stock: 3 });
    await log.updateDish('a', { stock: 0 });
    const queue = new FakeQueue();
    const f = follower(queue.add);
    await f.start();
    await waitFor('r4 followed', async () => f.position('r4') === (await log.lastId()), 5000);
    expect(queue.list).toEqual([['b', 'stock.low', 0], ['b', 'dish.sold_out', 0], ['a', 'dish.sold_out', 0]]);
    await log.updateDish('a', { stock: 7 });
    await waitFor('back in stock', () => queue.jobs.size === 4, 5000);
  });

  it('alerts the net change of each dish when its place was trimmed from the log, and forgets a restaurant whose last webhook went', async () => {
    const { store, logOf, follower, state } = world();
    const log = logOf('r3');
    await log.createDish({ id: 'rice', name: 'Rice', category: 'sides', price: 100, stock: 10 });
    await log.createDish({ id: 'tea', name: 'Tea', category: 'drinks', price: 100, stock: 0 });
    await log.createDish({ id: 'soup', name: 'Soup', category: 'soups', price: 100, stock: 8 });
    const webhook = await store.create('r3', hook);
    // A place older than anything the stream still holds, as a notifier down through a trim left it.
    expect(await state.take('r3')).toBe('taken');
    await state.reset('r3', undefined, { position: '1-0', stock: new Map([['rice', 10], ['tea', 0], ['soup', 8]]) });
    await state.letGo('r3');
    // What happened meanwhile: rice sold out, tea restocked, soup went down and back up (no net change: no alert).
    await log.updateDish('rice', { stock: 0 });
    await log.updateDish('tea', { stock: 12 });
    await log.updateDish('soup', { stock: 0 });
    await log.updateDish('soup', { stock: 8 });
    const warnings: string[] = [];
    const lost: string[] = [];
    const queue = new FakeQueue();
    const f = follower(queue.add, { logger: { info: () => undefined, warn: (_o, msg) => void warnings.push(msg ?? '') }, onPlaceLost: (r) => void lost.push(r) });
    await f.start();
    await waitFor('the snapshot', async () => f.position('r3') === (await log.lastId()), 5000);
    expect(warnings.some((w) => /no longer in the log/.test(w))).toBe(true);
    expect(lost).toEqual(['r3']);
    expect(queue.list).toEqual([['rice', 'stock.low', 0], ['rice', 'dish.sold_out', 0], ['tea', 'dish.back_in_stock', 12]]);
    expect([...queue.jobs.values()].map((job) => job.alertId)).toContain('r3/1-0~rice/dish.sold_out');
    expect((await state.load('r3'))?.stock.get('rice')).toBe(0);

    await store.remove('r3', webhook.id);
    await waitFor('released', () => f.restaurants.length === 0, 5000);
    expect(await state.load('r3')).toBeUndefined();
    await log.updateDish('rice', { stock: 5 });
    await new Promise((r) => setTimeout(r, 300));
    expect(queue.jobs.size).toBe(3);
  });

  it('lets one notifier follow a restaurant at a time: a second waits for the lease and takes over where the first stopped', async () => {
    const { store, logOf, follower, prefix } = world();
    const log = logOf('r5');
    await log.createDish({ id: 'tofu', name: 'Tofu', category: 'c', price: 100, stock: 10 });
    await store.create('r5', hook);
    const firstQueue = new FakeQueue();
    const secondQueue = new FakeQueue();
    const first = follower(firstQueue.add);
    await first.start();
    await waitFor('first follows', () => first.position('r5'), 5000);
    const second = follower(secondQueue.add, { state: new NotifierState(redis, prefix, 'second', 1000) });
    await second.start();
    await waitFor('second ready as a standby', () => second.following, 5000);
    await log.updateDish('tofu', { stock: 0 });
    await waitFor('first alerts', () => firstQueue.jobs.size === 2, 5000);
    await new Promise((r) => setTimeout(r, 400));
    expect(secondQueue.jobs.size).toBe(0);
    expect(second.position('r5')).toBeUndefined();

    // A clean stop gives the lease up: the second goes on from the first's place, nothing alerted twice.
    await first.stop();
    await log.updateDish('tofu', { stock: 4 });
    await waitFor('second alerts', () => secondQueue.jobs.size === 1, 5000);
    expect(secondQueue.list).toEqual([['tofu', 'dish.back_in_stock', 4]]);
  });
});
