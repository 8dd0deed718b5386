// A dish change reaches WebSocket and SSE clients alike: snapshot on connect, then the same event with the same id, prev and data.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog, type RedisClient } from '@dish-live/broker';
import type { SnapshotMessage } from '@dish-live/protocol';
import { events, SseClient, startGateway, testRedis, waitFor, WsClient, type Gateway } from '@dish-live/test-support';

const { env, prefix, durability, connect: connectRedis } = testRedis('gw-delivery');
let redis: RedisClient;
let log: EventLog;
let ws: Gateway;
let sse: Gateway;

beforeAll(async () => {
  redis = connectRedis();
  log = new EventLog(redis, { prefix, durability });
  await log.createDish({ id: 'mapo', name: 'Mapo tofu', category: 'sichuan', price: 2800, stock: 40 });
  await log.createDish({ id: 'ramen', name: 'Shoyu ramen', category: 'noodles', price: 1900, stock: 30 });
  [ws, sse] = await Promise.all([startGateway('ws', { ...env, KEY_PREFIX: prefix }), startGateway('sse', { ...env, KEY_PREFIX: prefix, HEARTBEAT_MS: '200' })]);
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

  it('frames SSE as valid HTTP/1.1 chunks (group writes bypass node\'s http layer) and serves HTTP/1.0 unchunked', async () => {
    const read = (version: string, price: number) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(sse.port, '127.0.0.1', () => socket.write(`GET /sse HTTP/${version}\r\nHost: x\r\n\r\n`));
        let text = '';
        socket.on('data', (chunk: Buffer) => {
          text += chunk.toString('latin1');
          if (text.includes(`"type":"dish.updated"`) && text.includes(`"price":${price}`)) {
            socket.destroy();
            resolve(text);
          }
        });
        socket.on('error', reject);
        setTimeout(() => void log.updateDish('mapo', { price }), 300);
      });
    for (const [version, price] of [['1.1', 2901], ['1.0', 2902]] as const) {
      const raw = await read(version, price);
      const [head, body = ''] = raw.split('\r\n\r\n', 2) as [string, string?];
      expect(head).toMatch(new RegExp(`^HTTP/1\\.1 200`));
      if (version === '1.0') {
        expect(head).not.toMatch(/transfer-encoding/i);
        expect(body).toContain('event: dish.updated');
        continue;
      }
      expect(head).toMatch(/transfer-encoding: chunked/i);
      // Decode every chunk: sizes must match their bytes exactly, and the payloads hold the event.
      const bytes = Buffer.from(raw.slice(head.length + 4), 'latin1');
      let pos = 0;
      let payload = '';
      while (pos < bytes.length) {
        const eol = bytes.indexOf('\r\n', pos);
        if (eol < 0) break;
        const size = parseInt(bytes.toString('latin1', pos, eol), 16);
        expect(Number.isNaN(size)).toBe(false);
        if (eol + 2 + size + 2 > bytes.length) break;
        payload += bytes.toString('utf8', eol + 2, eol + 2 + size);
        expect(bytes.toString('latin1', eol + 2 + size, eol + 4 + size)).toBe('\r\n');
        pos = eol + 4 + size;
      }
      expect(payload).toMatch(/event: dish\.updated\nid: \S+\ndata: \{.*"price":2901/);
      expect(payload.endsWith('\n\n')).toBe(true);
    }
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
