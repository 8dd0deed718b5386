import { describe, expect, it } from 'vitest';
import { ALERT_TYPES } from './alert-rules.js';
import { alertId, alertPayload, alertPayloadSchema, webhookMessageId } from './alert-message.js';

const source = {
  type: 'dish.sold_out',
  restaurant: 'demo-noodles',
  dish: { id: 'duck', name: 'Roast duck 烤鸭', stock: 0 },
  eventId: '1735760400000-3',
  ts: 1_735_760_400_000,
} as const;

describe('alertId', () => {
  it('is readable and derived from the restaurant, event and type only', () => {
    expect(alertId('default', '1735760400000-3', 'stock.low')).toBe('default/1735760400000-3/stock.low');
    expect(alertId('default', '1735760400000-3', 'stock.low')).toBe(alertId('default', '1735760400000-3', 'stock.low'));
    const ids = new Set(ALERT_TYPES.map((type) => alertId('default', '1735760400000-3', type)));
    expect(ids.size).toBe(3);
    // The same position in two restaurants' logs is two alerts.
    expect(alertId('a', '1-0', 'stock.low')).not.toBe(alertId('b', '1-0', 'stock.low'));
  });
});

describe('webhookMessageId', () => {
  it('is msg_ and 22 base64url characters, the same on every call', () => {
    const id = webhookMessageId('default/1-0/stock.low', 'wh_1');
    expect(id).toMatch(/^msg_[A-Za-z0-9_-]{22}$/);
    expect(webhookMessageId('default/1-0/stock.low', 'wh_1')).toBe(id);
  });

  it('differs for another webhook, another alert of the same event, and cannot be confused by joining', () => {
    const ids = [
      webhookMessageId('default/1-0/stock.low', 'wh_1'),
      webhookMessageId('default/1-0/stock.low', 'wh_2'),
      webhookMessageId('default/1-0/dish.sold_out', 'wh_1'),
      webhookMessageId('default/1-1/stock.low', 'wh_1'),
      webhookMessageId('a', 'bc'),
      webhookMessageId('ab', 'c'),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('alertPayload', () => {
  it('has exactly the contract shape, with the event time as an ISO timestamp', () => {
    const payload = alertPayload(source);
    expect(payload).toEqual({
      type: 'dish.sold_out',
      timestamp: '2025-01-01T19:40:00.000Z',
      data: { restaurant: 'demo-noodles', dish: { id: 'duck', name: 'Roast duck 烤鸭', stock: 0 }, eventId: '1735760400000-3' },
    });
    expect(alertPayloadSchema.parse(JSON.parse(JSON.stringify(payload)))).toEqual(payload);
  });

  it('drops dish fields beyond id, name and stock', () => {
    const dish = { ...source.dish, price: 4200, sold: 12, category: 'mains', version: 7, updatedAt: 1 };
    expect(alertPayload({ ...source, dish }).data.dish).toEqual(source.dish);
  });

  it('is refused by the schema when anything differs from the contract', () => {
    const payload = alertPayload(source);
    const bad = [
      { ...payload, type: 'dish.updated' },
      { ...payload, timestamp: 1_735_760_400_000 },
      { ...payload, extra: true },
      { ...payload, data: { ...payload.data, restaurant: 'Not A Restaurant' } },
      { ...payload, data: { ...payload.data, eventId: 'e1' } },
      { ...payload, data: { ...payload.data, dish: 'duck' } },
      { ...payload, data: { ...payload.data, dish: { ...payload.data.dish, stock: -1 } } },
      { ...payload, data: { restaurant: 'default', dish: payload.data.dish } },
    ];
    for (const candidate of bad) expect(alertPayloadSchema.safeParse(candidate).success).toBe(false);
  });
});
