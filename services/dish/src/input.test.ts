// Input checks on their own: where a body holds text that is not well-formed Unicode, found without recursion.
import { describe, expect, it } from 'vitest';
import { illFormedPath } from './input.js';

describe('illFormedPath', () => {
  it('accepts well-formed text, surrogate pairs (emoji) included', () => {
    expect(illFormedPath({ name: '麻婆豆腐 🍜 👨‍👩‍👧', items: [{ dishId: 'a', qty: 1 }], n: null, t: true })).toBeUndefined();
    expect(illFormedPath('plain')).toBeUndefined();
  });

  it('names the path of a lone surrogate in a value or a key', () => {
    expect(illFormedPath({ text: 'a\ud800b' })).toBe('text');
    expect(illFormedPath({ items: [{ dishId: 'ok' }, { dishId: '\udc00' }] })).toBe('items.1.dishId');
    expect(illFormedPath({ ['x\udbff']: 1 })).toBe('x\udbff');
    expect(illFormedPath('\ud83c')).toBe('');
    // Reversed halves are two lone surrogates, not a pair.
    expect(illFormedPath({ text: '\udf5c\ud83c' })).toBe('text');
  });

  it('walks a body nested 100 000 levels deep without overflowing the stack', () => {
    let deep: unknown = '\ud800';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(illFormedPath(deep)).toBe(Array(100_000).fill(0).join('.'));
  });
});
