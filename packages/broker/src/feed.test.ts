import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis } from '@dish-live/test-support';
import type { DishEvent } from '@dish-live/protocol';
import { EventLog, LiveFeed, ShardSubscriber } from './index.js';

const { url, prefix } = testRedis('feed');
let redis: Redis;
let n = 0;
const open: { feed: LiveFeed; subscriber: Redis }[] = [];

function startFeed(log: EventLog, from = '0-0') {
  const events: DishEvent[] = [];
  const subscriber = new Redis(url, { connectionName: `feed-test-${prefix}${n}`, retryStrategy: () => 20 });
  const feed = new LiveFeed({ log, channels: new ShardSubscriber(subscriber), from, onEvent: (e) => events.push(e), checkIntervalMs: 200 });
  open.push({ feed, subscriber });
  return { feed, subscriber, events, started: feed.start() };
}

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function streamIds(log: EventLog) {
  const r = await log.replay('0-0', 1_000_000);
  if (!r.recovered) throw new Error('trimmed');
  return r.events.map((e) => e.id);
}

/**
 * Kills exactly this feed's subscriber connection, as `CLIENT KILL TYPE pubsub` would, without touching other test
 * files' clients. Waits for it to be back (subscribed) first: the writer may outrun the previous reconnect.
 */
async function killSubscriber(subscriber: Redis) {
  const name = subscriber.options.connectionName!;
  let clientId: string | undefined;
  await waitFor('the subscriber to be listed as a pubsub client', async () => {
    const list = (await redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
    const line = list.split('\n').find((l) => l.includes(` name=${name} `));
    clientId = line ? /^id=(\d+)/.exec(line)?.[1] : undefined;
    return clientId !== undefined;
  }, 5000);
  return redis.client('KILL', 'ID', clientId!);
}

beforeAll(() => {
  redis = new Redis(url);
});
afterAll(async () => {
  for (const { feed, subscriber } of open) {
    await feed.stop();
    subscriber.disconnect();
  }
  await redis.quit();
});

describe('live feed', () => {
  it('delivers every event once, in stream order, across killed pub/sub connections', async () => {
    const log = new EventLog(redis, { prefix: `${prefix}${n++}:` });
    const { feed, subscriber, events, started } = startFeed(log);
    await started;
    let kills = 0;
    const writer = (async () => {
      for (let i = 0; i < 600; i++) {
        await log.appendChat({ author: 'w', text: `m${i}` });
        if (i % 100 === 50) {
          await killSubscriber(subscriber);
          kills++;
        }
      }
    })();
    await writer;
    const expected = await streamIds(log);
    await waitFor('the feed to catch up with the stream', () => feed.lastId === expected.at(-1));
    expect(kills).toBe(6);
    expect(events.map((e) => e.id)).toEqual(expected);
    expect(new Set(events.map((e) => e.id)).size).toBe(600);
    expect(feed.stats.eventsFromStream).toBeGreaterThan(0);
  });

  it('catches up from an older id at start and fills a gap left while nothing else is published', async () => {
    const log = new EventLog(redis, { prefix: `${prefix}${n++}:` });
    const first = await log.appendChat({ author: 'w', text: 'before' });
    await log.appendChat({ author: 'w', text: 'missed' });
    const { feed, subscriber, events, started } = startFeed(log, first.id);
    await started;
    await waitFor('the catch-up read', () => events.length === 1);
    expect(events[0]!.data).toEqual({ author: 'w', text: 'missed' });

    await subscriber.sunsubscribe();
    await log.appendChat({ author: 'w', text: 'silent' });
    await subscriber.ssubscribe(log.keys.channel);
    await waitFor('the periodic last-id check to find the silent event', () => events.length === 2);
    expect(events.map((e) => e.data)).toEqual([
      { author: 'w', text: 'missed' },
      { author: 'w', text: 'silent' },
    ]);
    expect(feed.lastId).toBe(await log.lastId());
  });

  it('asks Redis for the last id only while the channel is quiet', async () => {
    class CountingLog extends EventLog {
      asked = 0;
      override lastId(): Promise<string> {
        this.asked += 1;
        return super.lastId();
      }
    }
    const log = new CountingLog(redis, { prefix: `${prefix}${n++}:` });
    const { events, started } = startFeed(log);
    await started;
    // An event every 50 ms for a second (the check runs every 200 ms): each one's prev proves the chain.
    for (let i = 0; i < 20; i++) {
      await log.appendChat({ author: 'w', text: `busy ${i}` });
      await new Promise((r) => setTimeout(r, 50));
    }
    await waitFor('every event', () => events.length === 20);
    const askedWhileBusy = log.asked;
    expect(askedWhileBusy).toBeLessThanOrEqual(1);
    await waitFor('the check to run again once the channel is quiet', () => log.asked >= askedWhileBusy + 2, 3000);
  });

  it('drops a published event it already has', async () => {
    const log = new EventLog(redis, { prefix: `${prefix}${n++}:` });
    const { feed, events, started } = startFeed(log);
    await started;
    const e = await log.appendChat({ author: 'w', text: 'once' });
    await waitFor('the event', () => events.length === 1);
    await redis.spublish(log.keys.channel, JSON.stringify(e));
    await log.appendChat({ author: 'w', text: 'twice' });
    await waitFor('the next event', () => events.length >= 2);
    await feed.idle();
    expect(events.map((x) => x.data)).toEqual([
      { author: 'w', text: 'once' },
      { author: 'w', text: 'twice' },
    ]);
  });
});
