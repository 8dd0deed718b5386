import { describe, expect, it } from 'vitest';
import { ApiError, describeError, DishApi, NetworkError, restaurantApiBase } from './api.js';

function recordingFetch(answer: Response | Error) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn = ((url: string, init: RequestInit) => {
    calls.push({ url, init });
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }) as unknown as typeof fetch;
  return { calls, fn };
}

describe('DishApi', () => {
  it('sends PATCH with If-Match and the bearer token', async () => {
    const dish = { id: 'a', name: 'A', category: 'c', price: 100, stock: 5, sold: 0, version: 4, updatedAt: 1 };
    const f = recordingFetch(new Response(JSON.stringify(dish), { status: 200 }));
    const api = new DishApi('http://h/api', () => 'secret', f.fn);
    await expect(api.patchDish('a', { stock: 5 }, 3)).resolves.toEqual(dish);
    const { url, init } = f.calls[0]!;
    expect(url).toBe('http://h/api/dishes/a');
    expect(init.method).toBe('PATCH');
    expect(init.headers).toMatchObject({ 'if-match': '"3"', authorization: 'Bearer secret', 'content-type': 'application/json' });
    expect(JSON.parse(init.body as string)).toEqual({ stock: 5 });
  });

  it('turns problem+json into an ApiError with title, detail and field errors', async () => {
    const body = { type: 'urn:x', title: 'Invalid request', status: 400, detail: 'bad shape', errors: [{ path: 'price', message: 'too big' }] };
    const f = recordingFetch(new Response(JSON.stringify(body), { status: 400, headers: { 'content-type': 'application/problem+json' } }));
    const err = await new DishApi('http://h/api', () => undefined, f.fn).createDish({ name: 'x', category: 'c', price: 1e9, stock: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(describeError(err, (d) => d)).toEqual(['Invalid request (400): bad shape', 'price: too big']);
    expect(f.calls[0]!.init.headers).not.toHaveProperty('authorization');
  });

  it('says when the server could not be reached', async () => {
    const f = recordingFetch(new TypeError('Failed to fetch'));
    const err = await new DishApi('http://h/api', () => undefined, f.fn).listDishes().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(describeError(err, (d) => `offline: ${d}`)).toEqual(['offline: Failed to fetch']);
  });

  it('accepts an empty 204', async () => {
    const f = recordingFetch(new Response(null, { status: 204 }));
    await expect(new DishApi('http://h/api', () => 't', f.fn).deleteDish('a', 2)).resolves.toBeUndefined();
  });

  it("writes to one restaurant's routes from its base", async () => {
    const f = recordingFetch(new Response(JSON.stringify({ orderId: 'o1', status: 'queued' }), { status: 202 }));
    const api = new DishApi(restaurantApiBase('http://h/api/', 'demo-noodles'), () => 't', f.fn);
    await api.placeOrder([{ dishId: 'a', qty: 1 }], 'o1');
    expect([f.calls[0]!.url, f.calls[0]!.init.method]).toEqual(['http://h/api/restaurants/demo-noodles/orders', 'POST']);
  });

  it('lists the restaurants, leaving out entries that are not {id, name}', async () => {
    const body = [{ id: 'default', name: 'Default' }, { id: 'Bad Id', name: 'x' }, { id: 'demo-hotpot' }, null, { id: 'demo-hotpot', name: 'Hotpot' }];
    const f = recordingFetch(new Response(JSON.stringify(body), { status: 200 }));
    await expect(new DishApi('http://h/api', () => undefined, f.fn).listRestaurants()).resolves.toEqual([
      { id: 'default', name: 'Default' },
      { id: 'demo-hotpot', name: 'Hotpot' },
    ]);
    expect(f.calls[0]!.url).toBe('http://h/api/restaurants');
    const notList = recordingFetch(new Response(JSON.stringify({ id: 'default' }), { status: 200 }));
    await expect(new DishApi('http://h/api', () => undefined, notList.fn).listRestaurants()).rejects.toThrow(/did not answer a list/);
  });

  it('reads, adds and removes webhooks and reads deliveries, every call with the token (a URL can hold credentials)', async () => {
    const base = restaurantApiBase('http://h/api', 'noodles');
    const webhook = { id: 'wh_AAAAAAAAAAAAAAAA', url: 'https://example.com/hook', events: ['dish.sold_out'], threshold: 5, createdAt: '2026-12-03T08:00:00.000Z', disabled: null };
    const created = { id: webhook.id, url: webhook.url, events: webhook.events, threshold: 5, secret: 'whsec_abc' };
    const delivery = { alertId: 'noodles/4-0/dish.sold_out', type: 'dish.sold_out', messageId: 'msg_x', attempt: 1, status: 500, error: null, outcome: 'retrying', at: '2026-12-03T08:00:01.000Z' };
    const answers = [
      new Response(JSON.stringify(created), { status: 201 }),
      new Response(JSON.stringify([webhook]), { status: 200 }),
      new Response(JSON.stringify([delivery]), { status: 200 }),
      new Response(null, { status: 204 }),
    ];
    const calls: { url: string; init: RequestInit }[] = [];
    const fn = ((url: string, init: RequestInit) => {
      calls.push({ url, init });
      return Promise.resolve(answers.shift()!);
    }) as unknown as typeof fetch;
    const api = new DishApi(base, () => 'tok', fn);
    await expect(api.createWebhook({ url: webhook.url, events: ['dish.sold_out'], threshold: 5 })).resolves.toEqual(created);
    await expect(api.listWebhooks()).resolves.toEqual([webhook]);
    await expect(api.webhookDeliveries(webhook.id)).resolves.toEqual([delivery]);
    await expect(api.removeWebhook(webhook.id)).resolves.toBeUndefined();
    expect(calls.map((c) => `${c.init.method} ${c.url}`)).toEqual([
      'POST http://h/api/restaurants/noodles/webhooks',
      'GET http://h/api/restaurants/noodles/webhooks',
      'GET http://h/api/restaurants/noodles/webhooks/wh_AAAAAAAAAAAAAAAA/deliveries',
      'DELETE http://h/api/restaurants/noodles/webhooks/wh_AAAAAAAAAAAAAAAA',
    ]);
    for (const { init } of calls) expect(init.headers).toMatchObject({ authorization: 'Bearer tok' });
    expect(JSON.parse(calls[0]!.init.body as string)).toEqual({ url: webhook.url, events: ['dish.sold_out'], threshold: 5 });
  });
});
