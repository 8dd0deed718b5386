// Seeding the demo menu against real Redis: only into an empty log, once, even with replicas racing.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { EventLog } from '@dish-live/broker';
import { createDishSchema } from '@dish-live/protocol';
import { testRedis } from '@dish-live/test-support';
import { DEMO_MENU } from './menu.js';
import { seedMenu } from './seed.js';
import { call, startTestService, testConfig } from './dish.test-helpers.js';

const redis = testRedis('dish-seed');
const clients: Redis[] = [];
const client = () => {
  const c = new Redis(redis.url);
  clients.push(c);
  return c;
};

afterAll(() => {
  for (const c of clients) c.disconnect();
});

async function createdEvents(log: EventLog) {
  const replay = await log.replay('0-0', 10_000);
  if (!replay.recovered) throw new Error('not recovered');
  return replay.events.filter((e) => e.type === 'dish.created');
}

describe('the demo menu', () => {
  it('is a dozen valid dishes with ASCII slugs and integer-cent prices', () => {
    expect(DEMO_MENU).toHaveLength(12);
    for (const dish of DEMO_MENU) {
      expect(createDishSchema.parse(dish)).toEqual(dish);
      expect(dish.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(Number.isInteger(dish.price)).toBe(true);
    }
    expect(new Set(DEMO_MENU.map((d) => d.id)).size).toBe(12);
    expect(DEMO_MENU.map((d) => d.name)).toContain('宫保鸡丁');
  });
});

describe('seeding', () => {
  it('seeds an empty Redis at start through the log, and not again after a restart', async () => {
    const config = testConfig({ ...redis, prefix: `${redis.prefix}start:` }, { seedMenu: true });
    const log = new EventLog(client(), { prefix: config.keyPrefix });
    const first = await startTestService(config);
    try {
      const dishes = (await call<{ id: string }[]>(first.url, 'GET', '/api/dishes')).body;
      expect(dishes.map((d) => d.id).sort()).toEqual(DEMO_MENU.map((d) => d.id).sort());
      const events = await createdEvents(log);
      expect(events).toHaveLength(12);
      expect(events[0]!.prev).toBe('0-0');
    } finally {
      await first.stop();
    }
    const second = await startTestService(config);
    try {
      expect(await createdEvents(log)).toHaveLength(12);
      expect((await call<unknown[]>(second.url, 'GET', '/api/dishes')).body).toHaveLength(12);
    } finally {
      await second.stop();
    }
  });

  it('does not seed a log that has events, even with no dish left', async () => {
    const log = new EventLog(client(), { prefix: `${redis.prefix}used:` });
    await log.appendChat({ author: 'a', text: 'we emptied the menu on purpose' });
    expect(await seedMenu(client(), log, DEMO_MENU)).toBe('not-empty');
    expect(await createdEvents(log)).toHaveLength(0);
  });

  it('seeds once when replicas race, each with its own connection', async () => {
    const prefix = `${redis.prefix}race:`;
    const results = await Promise.all(
      Array.from({ length: 6 }, () => {
        const c = client();
        return seedMenu(c, new EventLog(c, { prefix }), DEMO_MENU);
      }),
    );
    expect(results.filter((r) => r === 'seeded')).toHaveLength(1);
    expect(results.every((r) => r === 'seeded' || r === 'locked' || r === 'not-empty')).toBe(true);
    const log = new EventLog(client(), { prefix });
    expect(await createdEvents(log)).toHaveLength(12);
    expect(await client().exists(`${log.keys.base}dish:seed-lock`)).toBe(0);
  });

  it('leaves the seed to the replica holding the lock', async () => {
    const prefix = `${redis.prefix}locked:`;
    const c = client();
    const log = new EventLog(c, { prefix });
    await c.set(`${log.keys.base}dish:seed-lock`, 'someone-else', 'PX', 10_000);
    expect(await seedMenu(c, log, DEMO_MENU)).toBe('locked');
    expect(await createdEvents(log)).toHaveLength(0);
    expect(await c.get(`${log.keys.base}dish:seed-lock`)).toBe('someone-else');
  });
});
