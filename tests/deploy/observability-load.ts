// Load on the observed stack while Prometheus watches: followers of both kinds (some capped by maxRate, so they
// conflate), writes through the API, a few refused requests, and a webhook whose receiver refuses every attempt.
import { RecordingClient, SseClient, WsClient } from '@dish-live/test-support';
import { OBS_TOKEN } from './observability-stack.js';

export interface Load {
  writes: number;
  errors: number;
  stop(): Promise<void>;
}

interface Dish {
  id: string;
  price: number;
  stock: number;
}

async function call(base: string, path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(`${base}${path}`, init);
  await res.arrayBuffer();
  return res;
}

const authorized = (body: unknown): RequestInit => ({
  method: 'PATCH',
  headers: { authorization: `Bearer ${OBS_TOKEN}`, 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Registers a webhook on restaurant `default` to a port that refuses; its alerts' attempts fail and are retried. */
export async function registerRefusedWebhook(base: string): Promise<void> {
  const res = await fetch(`${base}/api/restaurants/default/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${OBS_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: 'http://prometheus:9/hook' }),
  });
  if (res.status !== 201) throw new Error(`webhook registration answered ${res.status}: ${await res.text()}`);
}

/** Starts the load; `stop` closes every client and waits for the write loop to end. */
export function startLoad(webPort: number): Load {
  const base = `http://127.0.0.1:${webPort}`;
  const followers = [
    ...[0, 1, 2, 3].map(() => new RecordingClient('ws', [`ws://127.0.0.1:${webPort}/ws`]).start()),
    ...[0, 1, 2, 3].map(() => new RecordingClient('sse', [`${base}/sse`]).start()),
  ];
  // maxRate=1: the gateway conflates these from their first event, so the conflation panels have series.
  const capped = [new WsClient(`ws://127.0.0.1:${webPort}/ws?maxRate=1`), new SseClient(`${base}/sse?maxRate=1`)];
  // Some that leave early, so that disconnects have a reason to count.
  const leavers = [new WsClient(`ws://127.0.0.1:${webPort}/ws`), new SseClient(`${base}/sse`)];
  setTimeout(() => leavers.forEach((c) => c.close()), 3_000).unref();

  let running = true;
  const load: Load = { writes: 0, errors: 0, stop: async () => {} };
  const loop = (async () => {
    const dishes = (await (await fetch(`${base}/api/dishes`)).json()) as Dish[];
    const dish = dishes[0];
    if (!dish) throw new Error('no dish to write to');
    const path = `/api/dishes/${encodeURIComponent(dish.id)}`;
    for (let i = 0; running; i++) {
      // Sold out and back in stock every 20 writes: the webhook's alerts (dish.sold_out, dish.back_in_stock).
      const body = i % 20 === 0 ? { stock: 0 } : i % 20 === 1 ? { stock: 50 } : { price: dish.price + (i % 7) };
      const res = await call(base, path, authorized(body));
      if (res.status === 200) load.writes++;
      if (i % 10 === 0) {
        // Refused on purpose: HTTP errors by status (401 without a token, 404 for a dish that does not exist).
        if ((await call(base, path, { method: 'PATCH', body: '{"price":1}', headers: { 'content-type': 'application/json' } })).status === 401) load.errors++;
        if ((await call(base, '/api/dishes/no-such-dish')).status === 404) load.errors++;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  // Rejections surface from stop(); this only keeps one before it from being reported as unhandled.
  loop.catch(() => undefined);
  load.stop = async () => {
    running = false;
    await loop;
    for (const c of [...followers, ...capped, ...leavers]) c.close();
  };
  return load;
}
