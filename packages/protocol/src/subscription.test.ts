import { describe, expect, it } from 'vitest';
import { filterKey, normalizeCategories, parseSubscriptionQuery } from './subscription.js';

const parse = (query: string) => parseSubscriptionQuery(new URLSearchParams(query));

describe('parseSubscriptionQuery', () => {
  it('returns no options for an empty query', () => {
    expect(parse('')).toEqual({ ok: true, options: {} });
    expect(parse('since=&maxRate=&categories=')).toEqual({ ok: true, options: {} });
  });

  it('keeps since as given, even when it is not a stream id (it then means a fresh snapshot)', () => {
    expect(parse('since=1700000000000-3')).toEqual({ ok: true, options: { since: '1700000000000-3' } });
    expect(parse('since=garbage')).toEqual({ ok: true, options: { since: 'garbage' } });
  });

  it('drops an over-long since instead of answering an error', () => {
    expect(parse(`since=${'1'.repeat(64)}`)).toEqual({ ok: true, options: { since: '1'.repeat(64) } });
    expect(parse(`since=${'1'.repeat(65)}`)).toEqual({ ok: true, options: {} });
  });

  it('accepts maxRate at both bounds', () => {
    expect(parse('maxRate=1')).toEqual({ ok: true, options: { maxRate: 1 } });
    expect(parse('maxRate=1000')).toEqual({ ok: true, options: { maxRate: 1000 } });
    expect(parse('maxRate=30')).toEqual({ ok: true, options: { maxRate: 30 } });
  });

  it.each(['0', '1001', '-1', '1.5', '1e2', 'abc', ' 5', '0x10', 'Infinity', '99999999999999999999'])(
    'rejects maxRate=%s naming the field',
    (value) => {
      const result = parse(`maxRate=${encodeURIComponent(value)}`);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.field).toBe('maxRate');
    },
  );

  it('takes categories comma-separated, repeated or both, sorted and de-duplicated', () => {
    expect(parse('categories=mains,drinks')).toEqual({ ok: true, options: { categories: ['drinks', 'mains'] } });
    expect(parse('categories=mains&categories=drinks')).toEqual({ ok: true, options: { categories: ['drinks', 'mains'] } });
    expect(parse('categories=b,a&categories=a,c,b')).toEqual({ ok: true, options: { categories: ['a', 'b', 'c'] } });
  });

  it('trims categories and ignores empty entries', () => {
    expect(parse('categories=%20mains%20,,drinks,')).toEqual({ ok: true, options: { categories: ['drinks', 'mains'] } });
    expect(parse('categories=,,')).toEqual({ ok: true, options: {} });
  });

  it('rejects more than 50 categories', () => {
    const fifty = Array.from({ length: 50 }, (_, i) => `c${i}`);
    expect(parse(`categories=${fifty.join(',')}`).ok).toBe(true);
    const result = parse(`categories=${[...fifty, 'c50'].join(',')}`);
    expect(result).toMatchObject({ ok: false, field: 'categories' });
  });

  it('rejects a category longer than 40 characters', () => {
    expect(parse(`categories=${'x'.repeat(40)}`)).toEqual({ ok: true, options: { categories: ['x'.repeat(40)] } });
    expect(parse(`categories=a,${'x'.repeat(41)}`)).toMatchObject({ ok: false, field: 'categories' });
  });

  it('parses all three options together', () => {
    expect(parse('since=5-1&maxRate=10&categories=z,a')).toEqual({
      ok: true,
      options: { since: '5-1', maxRate: 10, categories: ['a', 'z'] },
    });
  });
});

describe('normalizeCategories and filterKey', () => {
  it('gives equal keys to equal filter sets in any order or repetition', () => {
    const a = normalizeCategories(['b', 'a', 'b']);
    const b = normalizeCategories(['a', 'b']);
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) expect(filterKey(a.categories)).toBe(filterKey(b.categories));
  });

  it('keys "every category" apart from any filter', () => {
    expect(filterKey(undefined)).toBe('*');
    expect(filterKey(['*'])).not.toBe('*');
    expect(filterKey(['a,b'])).not.toBe(filterKey(['a', 'b']));
  });
});
