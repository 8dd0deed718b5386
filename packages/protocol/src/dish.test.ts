import { describe, expect, it } from 'vitest';
import {
  chatInputSchema,
  createDishSchema,
  dishIdSchema,
  dishSchema,
  orderSchema,
  patchDishSchema,
} from './dish.js';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) => schema.safeParse(value).success;
const good = { name: 'Margherita', category: 'pizza', price: 1250, stock: 20 };

describe('dishIdSchema', () => {
  it('accepts letters, digits, "_" and "-" up to 64 characters', () => {
    for (const id of ['a', 'dish-1', 'DISH_2', 'x'.repeat(64)]) expect(ok(dishIdSchema, id)).toBe(true);
  });
  it('rejects empty, too long and other characters', () => {
    for (const id of ['', 'x'.repeat(65), 'a b', 'a/b', 'é', 'a.b', '../x']) expect(ok(dishIdSchema, id)).toBe(false);
  });
});

describe('createDishSchema', () => {
  it('accepts a valid dish, with or without an id', () => {
    expect(createDishSchema.parse(good)).toEqual(good);
    expect(createDishSchema.parse({ ...good, id: 'marg' })).toEqual({ ...good, id: 'marg' });
  });

  it('trims name and category', () => {
    expect(createDishSchema.parse({ ...good, name: '  Soup ', category: ' starters ' })).toMatchObject({
      name: 'Soup',
      category: 'starters',
    });
  });

  it('accepts every limit exactly', () => {
    const edges = [
      { name: 'x' },
      { name: 'x'.repeat(80) },
      { category: 'c' },
      { category: 'c'.repeat(40) },
      { price: 0 },
      { price: 10_000_000 },
      { stock: 0 },
      { stock: 1_000_000 },
    ];
    for (const edge of edges) expect(ok(createDishSchema, { ...good, ...edge }), JSON.stringify(edge)).toBe(true);
  });

  it.each([
    ['empty name', { name: '' }],
    ['blank name', { name: '   ' }],
    ['name of 81', { name: 'x'.repeat(81) }],
    ['empty category', { category: '' }],
    ['category of 41', { category: 'c'.repeat(41) }],
    ['negative price', { price: -1 }],
    ['fractional price', { price: 12.5 }],
    ['price over 10,000,000', { price: 10_000_001 }],
    ['price as string', { price: '1250' }],
    ['NaN price', { price: Number.NaN }],
    ['infinite price', { price: Number.POSITIVE_INFINITY }],
    ['negative stock', { stock: -1 }],
    ['fractional stock', { stock: 0.5 }],
    ['stock over 1,000,000', { stock: 1_000_001 }],
    ['name as number', { name: 5 }],
    ['bad id', { id: 'a b' }],
    ['unknown field', { sold: 3 }],
    ['unknown field __proto__-like', { version: 1 }],
  ])('rejects %s', (_label, change) => {
    expect(ok(createDishSchema, { ...good, ...change })).toBe(false);
  });

  it('rejects a missing required field', () => {
    for (const key of Object.keys(good)) {
      const partial: Record<string, unknown> = { ...good };
      delete partial[key];
      expect(ok(createDishSchema, partial), key).toBe(false);
    }
  });
});

describe('patchDishSchema', () => {
  it('accepts any non-empty subset of the fields', () => {
    expect(patchDishSchema.parse({ price: 900 })).toEqual({ price: 900 });
    expect(patchDishSchema.parse({ stock: 0, name: ' New ' })).toEqual({ stock: 0, name: 'New' });
    expect(ok(patchDishSchema, good)).toBe(true);
  });

  it('rejects an empty patch', () => {
    expect(ok(patchDishSchema, {})).toBe(false);
  });

  it('applies the same limits as create', () => {
    for (const bad of [{ name: '' }, { name: 'x'.repeat(81) }, { category: 'c'.repeat(41) }, { price: 10_000_001 }, { price: 1.1 }, { stock: -1 }, { stock: 1_000_001 }]) {
      expect(ok(patchDishSchema, bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('rejects unknown fields, alone or beside known ones', () => {
    expect(ok(patchDishSchema, { id: 'other' })).toBe(false);
    expect(ok(patchDishSchema, { price: 100, version: 2 })).toBe(false);
  });

  it('rejects input that is not an object', () => {
    for (const value of [null, [], 'price', 5]) expect(ok(patchDishSchema, value)).toBe(false);
  });
});

describe('orderSchema', () => {
  const item = { dishId: 'marg', qty: 1 };

  it('accepts 1 to 50 items with qty 1 to 1000, with or without an order id', () => {
    expect(ok(orderSchema, { items: [item] })).toBe(true);
    expect(ok(orderSchema, { orderId: 'ord:2026.11-26_1', items: Array.from({ length: 50 }, () => item) })).toBe(true);
    expect(ok(orderSchema, { items: [{ dishId: 'marg', qty: 1000 }] })).toBe(true);
  });

  it.each([
    ['no items', { items: [] }],
    ['51 items', { items: Array.from({ length: 51 }, () => item) }],
    ['qty 0', { items: [{ dishId: 'marg', qty: 0 }] }],
    ['qty 1001', { items: [{ dishId: 'marg', qty: 1001 }] }],
    ['fractional qty', { items: [{ dishId: 'marg', qty: 1.5 }] }],
    ['qty as string', { items: [{ dishId: 'marg', qty: '2' }] }],
    ['bad dish id', { items: [{ dishId: 'a b', qty: 1 }] }],
    ['unknown item field', { items: [{ ...item, price: 1 }] }],
    ['unknown order field', { items: [item], total: 5 }],
    ['bad order id', { orderId: 'a b', items: [item] }],
    ['order id of 65', { orderId: 'o'.repeat(65), items: [item] }],
    ['items not an array', { items: item }],
    ['missing items', {}],
  ])('rejects %s', (_label, value) => {
    expect(ok(orderSchema, value)).toBe(false);
  });
});

describe('chatInputSchema', () => {
  it('accepts author 1–40 and text 1–500 at the limits', () => {
    expect(ok(chatInputSchema, { author: 'a', text: 't' })).toBe(true);
    expect(ok(chatInputSchema, { author: 'a'.repeat(40), text: 't'.repeat(500) })).toBe(true);
  });

  it('rejects empty, blank or over-long author and text', () => {
    for (const value of [
      { author: '', text: 'hi' },
      { author: '  ', text: 'hi' },
      { author: 'a'.repeat(41), text: 'hi' },
      { author: 'ann', text: '' },
      { author: 'ann', text: ' \n ' },
      { author: 'ann', text: 't'.repeat(501) },
    ]) {
      expect(ok(chatInputSchema, value), JSON.stringify(value)).toBe(false);
    }
  });

  it('accepts markup as plain text, unchanged', () => {
    const text = '<script>alert("x")</script> <b>bold</b> & &amp; {{ mustache }}';
    expect(chatInputSchema.parse({ author: '<i>ann</i>', text })).toEqual({ author: '<i>ann</i>', text });
  });

  it('accepts tab and newline inside text, and non-Latin text and emoji', () => {
    const text = 'line one\n\tline two — 寿司 🍣';
    expect(chatInputSchema.parse({ author: 'Zoë', text })).toEqual({ author: 'Zoë', text });
  });

  it.each(['\u0000', '\u0007', '\u0008', '\u000b', '\u001b[31m', '\r', '\u007f', '\u0085', '\u009b2J'])(
    'rejects the control character %j inside author or text',
    (control) => {
      expect(ok(chatInputSchema, { author: 'ann', text: `a${control}b` })).toBe(false);
      expect(ok(chatInputSchema, { author: `a${control}b`, text: 'hi' })).toBe(false);
    },
  );

  it('rejects unknown fields and wrong types', () => {
    expect(ok(chatInputSchema, { author: 'ann', text: 'hi', ts: 1 })).toBe(false);
    expect(ok(chatInputSchema, { author: 'ann', text: 5 })).toBe(false);
    expect(ok(chatInputSchema, { author: ['ann'], text: 'hi' })).toBe(false);
  });
});

describe('dishSchema', () => {
  const dish = { id: 'marg', name: 'Margherita', category: 'pizza', price: 1250, stock: 3, sold: 7, version: 1, updatedAt: 1_700_000_000_000 };

  it('accepts a stored dish', () => expect(dishSchema.parse(dish)).toEqual(dish));

  it('rejects negative stock or sold, version 0 and fractional numbers', () => {
    for (const change of [{ stock: -1 }, { sold: -1 }, { version: 0 }, { price: 1.5 }, { updatedAt: 1.5 }]) {
      expect(ok(dishSchema, { ...dish, ...change }), JSON.stringify(change)).toBe(false);
    }
  });
});
