import { describe, expect, it } from 'vitest';
import type { Dish, DishEvent } from '@dish-live/protocol';
import { alertBatch, registrationBatch, type AlertWebhook } from './alert-batch.js';
import { alertPayloadSchema, webhookMessageId } from './alert-message.js';
import { ALERT_TYPES } from './alert-rules.js';

const dish = (id: string, stock: number): Dish => ({ id, name: `Dish ${id}`, category: 'mains', price: 1000, stock, sold: 0, version: 1, updatedAt: 0 });
let seq = 0;
const at = () => `1700000000000-${seq++}`;
const updated = (id: string, stock: number): DishEvent => ({ type: 'dish.updated', id: at(), prev: '0-0', ts: 1_700_000_000_000, data: { dish: dish(id, stock) } });
const sold = (id: string, stock: number, qty: number): DishEvent => ({
  type: 'dish.sold', id: at(), prev: '0-0', ts: 1_700_000_000_000, data: { dish: dish(id, stock), qty, orderId: `o${seq}` },
});
const created = (id: string, stock: number): DishEvent => ({ type: 'dish.created', id: at(), prev: '0-0', ts: 1_700_000_000_000, data: { dish: dish(id, stock) } });
const deleted = (id: string): DishEvent => ({ type: 'dish.deleted', id: at(), prev: '0-0', ts: 1_700_000_000_000, data: { id } });
const chat: DishEvent = { type: 'chat.message', id: '1700000000000-999', prev: '0-0', ts: 1, data: { author: 'a', text: 'b' } };

const all: AlertWebhook = { id: 'wh_all', events: [...ALERT_TYPES], threshold: 5, disabled: null };
const soldOutOnly: AlertWebhook = { id: 'wh_out', events: ['dish.sold_out'], threshold: 5, disabled: null };

describe('alertBatch', () => {
  it('never alerts a webhook of an event from before its registration, whatever place is read', () => {
    const events = [sold('duck', 0, 10)]; // at 1700000000000 ms
    const older = { ...all, createdAt: new Date(1_699_999_999_000).toISOString() };
    const newer = { ...soldOutOnly, createdAt: new Date(1_700_000_001_000).toISOString() };
    const { jobs } = alertBatch('r1', events, new Map([['duck', 10]]), [older, newer]);
    expect(jobs.map((j) => [j.webhookId, j.type])).toEqual([
      ['wh_all', 'stock.low'],
      ['wh_all', 'dish.sold_out'],
    ]);
  });

  it('takes each transition from the stored stock, then from the batch, one job per alert and webhook in stream order', () => {
    const events = [sold('duck', 3, 7), chat, sold('duck', 0, 3), updated('duck', 8), updated('soup', 4)];
    const { jobs, changes } = alertBatch('r1', events, new Map([['duck', 10], ['soup', 4]]), [all, soldOutOnly]);
    expect(jobs.map((j) => [j.payload.data.eventId, j.webhookId, j.type])).toEqual([
      [events[0]!.id, 'wh_all', 'stock.low'],
      [events[2]!.id, 'wh_all', 'dish.sold_out'],
      [events[2]!.id, 'wh_out', 'dish.sold_out'],
      [events[3]!.id, 'wh_all', 'dish.back_in_stock'],
    ]);
    expect([...changes]).toEqual([['duck', 8], ['soup', 4]]);
    for (const job of jobs) {
      expect(alertPayloadSchema.parse(job.payload)).toEqual(job.payload);
      expect(job.alertId).toBe(`r1/${job.payload.data.eventId}/${job.type}`);
      expect(job.messageId).toBe(webhookMessageId(job.alertId, job.webhookId));
      expect(job.restaurant).toBe('r1');
    }
  });

  it('raises nothing for a dish first seen, created or deleted, nor for a disabled webhook', () => {
    const off: AlertWebhook = { ...all, id: 'wh_off', disabled: { at: '2026-01-01T00:00:00.000Z', reason: 'gone' } };
    const events = [updated('new', 0), created('fresh', 0), deleted('duck'), created('duck', 0), updated('duck', 2)];
    const { jobs, changes } = alertBatch('r1', events, new Map([['duck', 10]]), [all, off]);
    // duck: deleted, created empty (no transition), then 0 → 2 is back in stock.
    expect(jobs.map((j) => [j.payload.data.dish.id, j.webhookId, j.type])).toEqual([['duck', 'wh_all', 'dish.back_in_stock']]);
    expect([...changes]).toEqual([['new', 0], ['fresh', 0], ['duck', 2]]);
    const gone = alertBatch('r1', [deleted('duck')], new Map([['duck', 1]]), [all]);
    expect([...gone.changes]).toEqual([['duck', undefined]]);
    expect(gone.jobs).toEqual([]);
  });

  it('gives the same job ids whenever the same events are read again', () => {
    const events = [sold('duck', 0, 10)];
    const first = alertBatch('r1', events, new Map([['duck', 10]]), [all]);
    const again = alertBatch('r1', events, new Map([['duck', 10]]), [all]);
    expect(again.jobs.map((j) => j.messageId)).toEqual(first.jobs.map((j) => j.messageId));
    expect(new Set(first.jobs.map((j) => j.messageId)).size).toBe(2);
    // Another restaurant's log may hold the same event id: other alerts, other ids.
    expect(alertBatch('r2', events, new Map([['duck', 10]]), [all]).jobs[0]?.messageId).not.toBe(first.jobs[0]?.messageId);
  });

  it('finds, after a registration, the stock before a sale but not before an update, and each webhook from its own registration', () => {
    const at = (ms: number, n: number) => `${ms}-${n}`;
    const events: DishEvent[] = [
      { ...sold('duck', 2, 3), id: at(1000, 0) }, // 5 → 2: stock.low
      { ...updated('soup', 0), id: at(1000, 1) }, // soup's stock before unknown: nothing
      { ...updated('soup', 4), id: at(2000, 0) }, // 0 → 4: back in stock
      { ...sold('duck', 0, 2), id: at(3000, 0) }, // 2 → 0: sold out
    ];
    const early = { ...all, createdAt: new Date(1000).toISOString() };
    const late = { ...all, id: 'wh_late', createdAt: new Date(2500).toISOString() };
    const jobs = registrationBatch('r1', events, [early, late]);
    expect(jobs.map((j) => [j.webhookId, j.payload.data.dish.id, j.type])).toEqual([
      ['wh_all', 'duck', 'stock.low'],
      ['wh_all', 'soup', 'dish.back_in_stock'],
      ['wh_all', 'duck', 'dish.sold_out'],
      ['wh_late', 'duck', 'dish.sold_out'],
    ]);
  });
});
