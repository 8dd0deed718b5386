// uWebSockets.js 20.30 may shut a socket it has just upgraded inside `res.cork` when the upgrade comes after an async
// admission (docs/ARCHITECTURE.md, "Known issues"): the client gets its 101, then a FIN, before any frame. A
// restaurant's first client waits for its view to load, so every upgrade here takes that path. The gateway upgrades
// inside another open client's cork to avoid it (unmended, 1 in 2,000 here in 2 of 6 runs); every client must get its
// snapshot, reconnecting once after such a close as a real client does, and such closes stay rare.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog, Restaurants } from '@dish-live/broker';
import { rawWsUntil, startGateway, testRedis, type Gateway, type RawWs } from '@dish-live/test-support';

const CLIENTS = 2000;
const AT_ONCE = 200;
const RESTAURANTS = Array.from({ length: CLIENTS }, (_, i) => `au-${String(i).padStart(4, '0')}`);
const { url, prefix } = testRedis('ws-async-upgrade');
let redis: Redis;
let gateway: Gateway;

beforeAll(async () => {
  redis = new Redis(url);
  const registry = new Restaurants(redis, prefix);
  for (let i = 0; i < CLIENTS; i += AT_ONCE) {
    await Promise.all(
      RESTAURANTS.slice(i, i + AT_ONCE).map(async (id) => {
        await registry.create(id, id);
        await new EventLog(redis, { prefix, restaurant: id }).createDish({ id: 'a1', name: 'A1', category: 'a', price: 100, stock: 10 });
      }),
    );
  }
  gateway = await startGateway('ws', { REDIS_URL: url, KEY_PREFIX: prefix, MAX_CONNECTIONS_PER_IP: String(CLIENTS) });
}, 120_000);

afterAll(async () => {
  for (const ws of held) ws.drop();
  await gateway?.stop();
  redis?.disconnect();
});

const held: RawWs[] = [];

let earlyCloses = 0;

/** How one client's wait for its snapshot ends (after one reconnect if uWS closed it right after its upgrade). Held open. */
async function firstClient(restaurant: string): Promise<string> {
  const { ws, outcome } = await rawWsUntil(gateway.port, `/ws/${restaurant}`, '"type":"snapshot"', () => earlyCloses++);
  held.push(ws);
  return outcome;
}

describe('ws-gateway upgrades after an async admission', () => {
  it(`gives the first client of each of ${CLIENTS} restaurants its snapshot on its first connection`, async () => {
    const outcomes: Record<string, number> = {};
    for (let i = 0; i < CLIENTS; i += AT_ONCE) {
      for (const o of await Promise.all(RESTAURANTS.slice(i, i + AT_ONCE).map(firstClient))) outcomes[o] = (outcomes[o] ?? 0) + 1;
    }
    console.log(`[async upgrades] ${CLIENTS} first clients of as many restaurants: ${earlyCloses} closed right after the upgrade and reconnected`);
    expect(outcomes).toEqual({ text: CLIENTS });
    expect(earlyCloses, 'sockets closed right after their upgrade').toBeLessThanOrEqual(2);
  }, 120_000);
});
