// A dish change reaches WebSocket and SSE clients alike: snapshot on connect, then the same event with the same id, prev and data.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '@dish-live/broker';
import type { SnapshotMessage } from '@dish-live/protocol';
import { testRedis, waitFor } from '@dish-live/test-support';
import { events, SseClient, startGateway, WsClient, type Gateway } from './harness.js';

const { url, prefix } = testRedis('gw-delivery');
let redis: Redis;
let log: EventLog;
let ws: Gateway;
let sse: Gateway;

beforeAll(async () => {
  redis = new Redis(url);
  log = new EventLog(redis, { prefix });
  await log.createDish({ id: 'mapo', name: 'Mapo tofu', category: 'sichuan', price: 2800, stock: 40 });
  await log.createDish({ id: 'ramen', name: 'Shoyu ramen', category: 'noodles', price: 1900, stock: 30 });
  [ws, sse] = await Promise.all([startGateway('ws', { REDIS_URL: url, KEY_PREFIX: prefix }), startGateway('sse', { REDIS_URL: url, KEY_PREFIX: prefix, HEARTBEAT_MS: '200' })]);
});

afterAll(async () => {
  await Promise.all([ws?.stop(), sse?.stop()]);
  redis?.disconnect();
});

describe('delivery', () => {
  it('sends a snapshot on connect, then a dish change to WS and SSE clients with the same id, prev and data', async () => {
    const w = new WsClient(ws.url);
    const s = new SseClient(sse.url);
    await Promise.all([w.opened, s.opened]);
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(s.headers['cache-control']).toBe('no-cache, no-transform');
    expect(s.headers['x-accel-buffering']).toBe('no');
    for (const c of [w, s]) await waitFor('a snapshot', () => c.messages[0]);
    const lastId = await log.lastId();
    for (const c of [w, s]) {
      const snap = c.messages[0] as SnapshotMessage;
      expect(snap.type).toBe('snapshot');
      expect(snap.recovered).toBe(false);
      expect(snap.id).toBe(lastId);
      expect(snap.dishes.map((d) => d.id)).toEqual(['mapo', 'ramen']);
      expect(snap.instance).toBeTruthy();
    }
    await log.updateDish('mapo', { price: 2900 });
    for (const c of [w, s]) await waitFor('the update', () => events(c)[0], 5000, () => c.messages);
    const [fromWs] = events(w);
    const [fromSse] = events(s);
    expect(fromWs).toEqual(fromSse);
    expect(fromWs).toMatchObject({ type: 'dish.updated', prev: lastId, data: { dish: { id: 'mapo', price: 2900, version: 2 } } });
    expect(s.retries[0]).toBeGreaterThanOrEqual(1000);
    expect(s.retries[0]).toBeLessThanOrEqual(3000);
    w.close();
    s.close();
  });

  it('filters by category with prev rewritten to each client’s own chain', async () => {
    const w = new WsClient(`${ws.url}?categories=noodles`);
    const s = new SseClient(`${sse.url}?categories=noodles`);
    await Promise.all([w.opened, s.opened]);
    for (const c of [w, s]) await waitFor('a snapshot', () => c.messages[0]);
    const snapId = (w.messages[0] as SnapshotMessage).id;
    expect((w.messages[0] as SnapshotMessage).dishes.map((d) => d.id)).toEqual(['ramen']);
    await log.updateDish('mapo', { stock: 39 });
    await log.updateDish('ramen', { stock: 29 });
    await log.appendChat({ author: 'chef', text: 'noodles up' });
    await log.updateDish('mapo', { stock: 38 });
    await log.updateDish('ramen', { stock: 28 });
    for (const c of [w, s]) await waitFor('three filtered events', () => events(c).length === 3, 5000, () => c.messages);
    for (const c of [w, s]) {
      const got = events(c);
      expect(got.map((e) => e.type)).toEqual(['dish.updated', 'chat.message', 'dish.updated']);
      // Each event's prev is the id the client saw just before it.
      expect(got[0]!.prev).toBe(snapId);
      expect(got[1]!.prev).toBe(got[0]!.id);
      expect(got[2]!.prev).toBe(got[1]!.id);
    }
    expect(events(w)).toEqual(events(s));
    w.close();
    s.close();
  });

  it('sends SSE heartbeat comments carrying the server time', async () => {
    const s = new SseClient(sse.url);
    await s.opened;
    const beat = await waitFor('a heartbeat comment', () => s.comments.find((c) => c.startsWith('t=')), 5000);
    expect(Math.abs(Number(beat.slice(2)) - Date.now())).toBeLessThan(5000);
    s.close();
  });

  it('answers health, readiness and metrics on the same port', async () => {
    for (const g of [ws, sse]) {
      const base = `http://127.0.0.1:${g.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('dish_live_connections');
      expect(metrics).toContain('dish_live_publish_to_write_seconds');
    }
  });
});
