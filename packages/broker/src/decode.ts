// Turns Redis replies (flat hashes, stream entries) into typed dishes, events and sales buckets.
import type { Dish, DishEvent, SalesBucket } from '@dish-live/protocol';

export function flatToRecord(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

export function dishFromHash(h: Record<string, string>): Dish {
  return {
    id: h.id ?? '',
    name: h.name ?? '',
    category: h.category ?? '',
    price: Number(h.price),
    stock: Number(h.stock),
    sold: Number(h.sold),
    version: Number(h.version),
    updatedAt: Number(h.updatedAt),
  };
}

export type StreamEntry = [id: string, fields: string[]];

export function eventFromEntry([id, fields]: StreamEntry): DishEvent {
  const f = flatToRecord(fields);
  const data: unknown = JSON.parse(f.data ?? '{}');
  return { id, prev: f.prev ?? '0-0', type: f.type, ts: Number(f.ts), data } as DishEvent;
}

/** The `prev` field of a stream entry, read without decoding the rest. */
export function entryPrev([, fields]: StreamEntry): string {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'prev') return fields[i + 1]!;
  return '0-0';
}

/**
 * An entry as the wire envelope, the exact string the script published (lib.lua's emit): the stored `data` is
 * already JSON and the other fields are ids, a type name and digits, so nothing needs parsing or escaping.
 */
export function envelopeJson([id, fields]: StreamEntry): string {
  let prev = '0-0';
  let type = '';
  let ts = '';
  let data = '';
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1]!;
    switch (fields[i]) {
      case 'prev': prev = value; break;
      case 'type': type = value; break;
      case 'ts': ts = value; break;
      case 'data': data = value; break;
    }
  }
  return `{"id":"${id}","prev":"${prev}","type":"${type}","ts":${ts},"data":${data}}`;
}

export function bucketFromHash(t: number, h: Record<string, string>): SalesBucket {
  const byCategory: Record<string, number> = {};
  for (const [field, value] of Object.entries(h)) if (field.startsWith('c:')) byCategory[field.slice(2)] = Number(value);
  return { t, total: Number(h.total ?? 0), byCategory };
}
