import { describe, expect, it } from 'vitest';
import { ApiError, DishApi, NetworkError } from './api.js';
import { translator } from './i18n.js';
import { InputError, webhookErrorLines } from './webhook-errors.js';

const en = translator('en');

/** The ApiError a DishApi makes of one problem+json answer. */
async function answered(status: number, body: Record<string, unknown>): Promise<unknown> {
  const fetchFn = (() => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/problem+json' } }))) as unknown as typeof fetch;
  return new DishApi('http://h/api/restaurants/noodles', () => 't', fetchFn).createWebhook({ url: 'http://127.0.0.1:9/' }).catch((e: unknown) => e);
}

describe('webhookErrorLines', () => {
  it('says why a URL was refused (422 reason) in the reader’s words, then the server’s detail', async () => {
    const err = await answered(422, { type: 'urn:dish-live:problem:webhook-url-refused', title: 'Webhook URL refused', status: 422, reason: 'blocked-address', detail: '127.0.0.1 is a loopback address' });
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).reason).toBe('blocked-address');
    expect(webhookErrorLines(err, en)).toEqual([
      'URL refused: its address is internal (loopback, private, link-local or similar).',
      'Webhook URL refused (422): 127.0.0.1 is a loopback address',
    ]);
    expect(webhookErrorLines(err, translator('zh'))[0]).toBe('地址被拒绝：它的地址是内部地址（回环、私有、链路本地等）。');
  });

  it('keeps a 422 of an unknown reason to the server’s words', async () => {
    const err = await answered(422, { title: 'Webhook URL refused', status: 422, reason: 'something-new', detail: 'why' });
    expect(webhookErrorLines(err, en)).toEqual(['Webhook URL refused (422): why']);
  });

  it('lists the field errors of a 400', async () => {
    const err = await answered(400, { title: 'Invalid request', status: 400, errors: [{ path: 'threshold', message: 'Too big: expected number to be <=1000000' }] });
    expect(webhookErrorLines(err, en)).toEqual(['Invalid request (400)', 'threshold: Too big: expected number to be <=1000000']);
  });

  it('says what to do about a missing or foreign token and about the limit', async () => {
    expect((webhookErrorLines(await answered(401, { title: 'Unauthorized', status: 401 }), en))).toEqual(['Enter the write token above to manage alerts.', 'Unauthorized (401)']);
    expect((webhookErrorLines(await answered(403, { title: 'Forbidden', status: 403, detail: 'not this restaurant' }), en))[0]).toBe('This write token is not one of this restaurant.');
    const limit = await answered(409, { type: 'urn:dish-live:problem:webhook-limit', title: 'Too many webhooks', status: 409, detail: 'a restaurant has at most 20 webhooks' });
    expect((limit as ApiError).type).toBe('urn:dish-live:problem:webhook-limit');
    expect(webhookErrorLines(limit, en)).toEqual(['This restaurant has as many webhooks as allowed: remove one first.', 'Too many webhooks (409): a restaurant has at most 20 webhooks']);
  });

  it('passes a local input error and a network error through', () => {
    expect(webhookErrorLines(new InputError('Events: choose at least one'), en)).toEqual(['Events: choose at least one']);
    expect(webhookErrorLines(new NetworkError('Failed to fetch'), en)).toEqual(['The server could not be reached (Failed to fetch).']);
  });
});
