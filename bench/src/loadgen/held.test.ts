import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { freePort } from '@dish-live/local-redis';
import { accountHeld, closeHeld, heldReport, hold, newHeldState, reconnect, resumeRequest } from './held.js';
import { BENCH_DISH_ID } from './message.js';

const dish = (version: number) => ({ id: BENCH_DISH_ID, name: 'n', category: 'c', price: 1, stock: 1, sold: 0, version, updatedAt: 1 });
const event = (version: number) => JSON.stringify({ id: `1-${version}`, prev: `1-${version - 1}`, type: 'dish.updated', ts: 1, data: { dish: dish(version) } });
const snapshot = (version: number) => JSON.stringify({ type: 'snapshot', id: `1-${version}`, dishes: [dish(version)], sales: {}, recovered: false, instance: 'i' });

describe('accountHeld', () => {
  it('keeps the last event id and checks the bench dish sequence', () => {
    const s = newHeldState();
    accountHeld(s, snapshot(4));
    accountHeld(s, event(5));
    accountHeld(s, event(7));
    accountHeld(s, event(7));
    expect(s.lastId).toBe('1-7');
    expect(s.first).toBe('snapshot');
    expect(s.counters).toMatchObject({ events: 3, control: 1, lost: 1, reordered: 1 });
  });

  it('holds its id through `resumed` and goes on from the replayed events', () => {
    const s = newHeldState();
    accountHeld(s, event(3));
    s.first = undefined;
    accountHeld(s, JSON.stringify({ type: 'resumed', id: '1-3', recovered: true, instance: 'i' }));
    accountHeld(s, event(4));
    expect(s.first).toBe('resumed');
    expect(s.lastId).toBe('1-4');
    expect(s.counters).toMatchObject({ events: 2, lost: 0, reordered: 0 });
  });
});

describe('resumeRequest', () => {
  it('puts the id in the WS query and the SSE Last-Event-ID header', () => {
    expect(resumeRequest('ws', '/ws', '17-0')).toEqual({ path: '/ws?since=17-0', headers: {} });
    expect(resumeRequest('ws', '/ws?maxRate=5', '17-0').path).toBe('/ws?maxRate=5&since=17-0');
    expect(resumeRequest('sse', '/sse', '17-0')).toEqual({ path: '/sse', headers: { 'Last-Event-ID': '17-0' } });
    expect(resumeRequest('ws', '/ws', undefined)).toEqual({ path: '/ws', headers: {} });
  });
});

/** A WS server answering each connect with a snapshot, or `resumed` when it brings `since`; the `since` each brought. */
function server(port: number) {
  const sinces: (string | null)[] = [];
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  wss.on('connection', (ws, req) => {
    const since = new URL(req.url ?? '/', 'http://x').searchParams.get('since');
    sinces.push(since);
    ws.send(since ? JSON.stringify({ type: 'resumed', id: since, recovered: true, instance: 'i' }) : snapshot(1));
    if (since) ws.send(event(Number(since.split('-')[1]) + 1));
  });
  return { wss, sinces, listening: once(wss, 'listening') };
}

describe('hold and reconnect', () => {
  afterEach(() => closeHeld());

  it('reconnects every held client at once with its last id, after its server went away', async () => {
    const port = await freePort();
    const first = server(port);
    await first.listening;
    await hold('ws', port, '/', 20, 5, true);
    expect(heldReport(1)).toMatchObject({ clients: 20, open: 20, behind: 0, withoutId: 0 });
    for (const ws of first.wss.clients) ws.terminate();
    first.wss.close();
    await once(first.wss, 'close');
    for (let i = 0; i < 100 && heldReport(1).open > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(heldReport(1).open).toBe(0);

    const second = server(port);
    await second.listening;
    const r = await reconnect(port, '/', true, true);
    expect(r).toMatchObject({ attempted: 20, opened: 20, failed: 0, firstTypes: { resumed: 20 } });
    expect(r.open.count).toBe(20);
    expect(r.first.count).toBe(20);
    expect(r.lastFirstAt).toBeGreaterThanOrEqual(r.lastOpenAt);
    expect(r.lastOpenAt).toBeGreaterThanOrEqual(r.firstAttemptAt);
    expect(second.sinces).toEqual(Array.from({ length: 20 }, () => '1-1'));
    for (let i = 0; i < 100 && heldReport(2).behind > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(heldReport(2)).toMatchObject({ open: 20, behind: 0, counters: { lost: 0, reordered: 0, events: 20 } });
    closeHeld();
    second.wss.close();
  });
});
