// What a client would try to escape a per-address rate limit: many requests, or WebSocket chat messages, each with
// a made-up X-Forwarded-For. Used against `npm start` (tests/edge) and against nginx (tests/compose).
import WebSocket from 'ws';
import { httpRequest } from './http-client.js';

export interface ProbeRequest {
  method: string;
  target: string;
  body: string;
  headers?: Record<string, string>;
}

/** A different made-up client address for every i, in a range no test machine is on. */
function madeUp(i: number): Record<string, string> {
  return { 'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 'x-real-ip': `10.99.${(i >> 8) & 255}.${i & 255}` };
}

/** `count` requests one after the other, each with a made-up X-Forwarded-For when `rotate`; the statuses, counted. */
export async function requestBurst(
  port: number,
  count: number,
  options: { rotate: boolean; localAddress?: string },
  send: (i: number) => ProbeRequest,
): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  for (let i = 0; i < count; i++) {
    const r = send(i);
    const headers = { 'content-type': 'application/json', ...r.headers, ...(options.rotate ? madeUp(i) : {}) };
    const res = await httpRequest(port, r.target, { method: r.method, body: r.body, headers, localAddress: options.localAddress });
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  }
  return statuses;
}

/** How many of the answers were 2xx. */
export function accepted(statuses: Record<number, number>): number {
  return Object.entries(statuses).reduce((n, [status, k]) => (status.startsWith('2') ? n + k : n), 0);
}

/**
 * Opens `count` WebSockets (each upgrade with its own made-up X-Forwarded-For when `rotate`), then sends one chat
 * message on each at once, so that no budget refills in between; resolves with how many were refused as rate_limited.
 */
export async function wsChatBurst(port: number, count: number, options: { rotate: boolean; localAddress?: string }): Promise<number> {
  const tag = `probe-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const sockets = Array.from(
    { length: count },
    (_, i) => new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: options.rotate ? madeUp(i) : undefined, localAddress: options.localAddress }),
  );
  const outcomes = sockets.map(
    (ws, i) =>
      new Promise<'accepted' | 'limited'>((resolve, reject) => {
        ws.on('error', reject);
        ws.on('message', (data: Buffer) => {
          const msg = JSON.parse(data.toString()) as { type: string; code?: string; data?: { text?: string } };
          if (msg.type === 'error' && msg.code === 'rate_limited') resolve('limited');
          if (msg.type === 'chat.message' && msg.data?.text === `${tag} ${i}`) resolve('accepted');
        });
      }),
  );
  try {
    await Promise.all(sockets.map((ws) => new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))));
    sockets.forEach((ws, i) => ws.send(JSON.stringify({ op: 'chat', author: 'rate probe', text: `${tag} ${i}` })));
    const results = await Promise.race([
      Promise.all(outcomes),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer to every chat message within 15 s')), 15_000)),
    ]);
    return results.filter((r) => r === 'limited').length;
  } finally {
    for (const ws of sockets) ws.terminate();
  }
}
