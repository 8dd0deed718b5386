// Delivery policy: a client that stops reading is conflated, then let go past the hard limit, while others keep full rate; maxRate caps the rate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog, type RedisClient } from '@dish-live/broker';
import type { Dish, SnapshotMessage, StateMessage } from '@dish-live/protocol';
import { events, metric, SseClient, startGateway, testRedis, waitFor, WsClient, type Gateway, type Received } from '@dish-live/test-support';

const { env: redisEnv, prefix, durability, connect } = testRedis('gw-slow');
let redis: RedisClient;
let log: EventLog;
let ws: Gateway;
let sse: Gateway;
const limits = { SOFT_LIMIT_BYTES: '131072', HARD_LIMIT_BYTES: '524288' };

beforeAll(async () => {
  redis = connect();
  log = new EventLog(redis, { prefix, durability });
  for (let i = 0; i < 4; i++) await log.createDish({ id: `d${i}`, name: `Dish ${i}`, category: 'c', price: 100, stock: 1_000_000 });
  const env = { ...redisEnv, KEY_PREFIX: prefix, ...limits };
  [ws, sse] = await Promise.all([startGateway('ws', env), startGateway('sse', env)]);
});

afterAll(async () => {
  await Promise.all([ws?.stop(), sse?.stop()]);
  redis?.disconnect();
});

const text = 'x'.repeat(480);
let chats = 0;

/** Writes chat events (large, never conflated away) in concurrent batches until `done`, within a bound. */
async function chatUntil(what: string, done: () => Promise<boolean>, maxBatches = 300): Promise<void> {
  for (let batch = 0; batch < maxBatches; batch++) {
    if (await done()) return;
    await Promise.all(Array.from({ length: 50 }, () => log.appendChat({ author: 'load', text: `${chats++} ${text}` })));
  }
  if (!(await done())) throw new Error(`still not ${what} after ${maxBatches * 50} chat events`);
}

/** Every chat a client got, from events and from `state` messages, in order. */
const chatIds = (r: Received) =>
  r.messages.flatMap((m) => (m.type === 'chat.message' ? [m.id] : m.type === 'state' ? m.chat.map((c) => c.id) : []));

/** Checks the chain: every event's prev, and every state's id, continue from the id before. */
function expectChain(r: Received): void {
  let last = (r.messages[0] as SnapshotMessage).id;
  for (const m of r.messages.slice(1)) {
    if ('prev' in m) {
      expect(m.prev).toBe(last);
      last = m.id;
    } else if (m.type === 'state') {
      expect(m.id > last).toBe(true);
      last = m.id;
    }
  }
}

describe('slow consumers', () => {
  for (const kind of ['ws', 'sse'] as const) {
    it(`conflates a ${kind} client that stops reading, drops it past the hard limit, and keeps others at full rate`, async () => {
      const g = kind === 'ws' ? ws : sse;
      const open = () => (kind === 'ws' ? new WsClient(g.url) : new SseClient(g.url));
      const normal = open();
      const slow = open();
      const stalled = open();
      await Promise.all([normal.opened, slow.opened, stalled.opened]);
      for (const c of [normal, slow, stalled]) await waitFor('snapshot', () => c.messages[0]);
      const pause = (c: WsClient | SseClient) => (c instanceof WsClient ? c.ws.pause() : c.res!.pause());
      const resume = (c: WsClient | SseClient) => (c instanceof WsClient ? c.ws.resume() : c.res!.resume());
      const startChat = chats;
      const slowBefore = await metric(g, 'dish_live_disconnects_total', 'reason="slow"');

      // 1. Two clients stop reading: once their socket buffers fill they are conflated.
      pause(slow);
      pause(stalled);
      await chatUntil('conflated', async () => (await metric(g, 'dish_live_conflating_connections')) >= 2);
      // What happens while they are conflated is owed to them as one `state`: these chats and the dish change.
      await Promise.all(Array.from({ length: 20 }, () => log.appendChat({ author: 'load', text: `${chats++} while conflated` })));
      await log.updateDish('d1', { price: 4242 + chats });
      const price = 4242 + chats;

      // 2. One reads again: it drains, gets one `state` for what it missed, and is back on the full-rate path.
      resume(slow);
      const state = await waitFor('a state message', () => slow.messages.find((m): m is StateMessage => m.type === 'state'), 10_000, () => slow.messages.length);
      expect(state.dishes).toEqual([expect.objectContaining({ id: 'd1', price })]);
      expect(state.chat.length).toBeGreaterThanOrEqual(20);
      await log.appendChat({ author: 'load', text: `${chats++} after drain` });
      const lastChat = await log.lastId();
      await waitFor('the slow client to catch up', () => chatIds(slow).at(-1) === lastChat, 10_000, () => chatIds(slow).length);
      // Chat is never conflated away: every chat exactly once, events and states together.
      expect(new Set(chatIds(slow)).size).toBe(chatIds(slow).length);
      expect(chatIds(slow).length).toBe(chats - startChat);
      expectChain(slow);

      // 3. The other never comes back: what it is owed grows past the hard limit and it is disconnected.
      await chatUntil('disconnected', async () => (await metric(g, 'dish_live_disconnects_total', 'reason="slow"')) > slowBefore);
      resume(stalled);
      await waitFor('the stalled client to be closed', () => stalled.closed, 10_000);
      if (stalled instanceof WsClient) expect(stalled.closeCode).toBe(4008);
      expect(slow.closed).toBe(false);

      // The normal client got every chat as its own event, no conflation.
      await waitFor('the normal client to have every chat', () => chatIds(normal).length === chats - startChat, 10_000, () => chatIds(normal).length);
      expect(normal.messages.some((m) => m.type === 'state')).toBe(false);
      expectChain(normal);
      for (const c of [normal, slow, stalled]) c.close();
    });
  }

  for (const kind of ['ws', 'sse'] as const) {
    it(`caps a ${kind} client asking maxRate=5 at about 5 messages per second, ending with the right state`, async () => {
      const g = kind === 'ws' ? ws : sse;
      const c = kind === 'ws' ? new WsClient(`${g.url}?maxRate=5`) : new SseClient(`${g.url}?maxRate=5`);
      await c.opened;
      const snap = (await waitFor('snapshot', () => c.messages[0])) as SnapshotMessage;
      const started = Date.now();
      for (let i = 0; i < 100; i++) {
        await log.updateDish(`d${i % 4}`, { price: 1000 + i });
        await new Promise((r) => setTimeout(r, 20));
      }
      const last = await log.lastId();
      await waitFor('a state with the last id', () => c.messages.some((m) => m.type === 'state' && m.id === last), 5000);
      const seconds = (Date.now() - started) / 1000;
      // A proof `check` (every 10 s) may come between them: it carries no data and is not what maxRate counts.
      const updates = c.messages.slice(1).filter((m) => m.type !== 'check');
      expect(updates.every((m) => m.type === 'state')).toBe(true);
      expect(updates.length).toBeLessThanOrEqual(Math.ceil(seconds * 5) + 1);
      expect(updates.length).toBeGreaterThanOrEqual(2);
      const dishes = new Map<string, Dish>(snap.dishes.map((d) => [d.id, d]));
      for (const m of updates as StateMessage[]) for (const d of m.dishes) if (!('deleted' in d)) dishes.set(d.id, d);
      expect([...dishes.values()].sort((a, b) => a.id.localeCompare(b.id))).toEqual((await log.snapshot()).dishes);
      expect(events(c)).toEqual([]);
      c.close();
    });
  }
});
