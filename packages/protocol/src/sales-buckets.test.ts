import { describe, expect, it } from 'vitest';
import { bucketStart, SalesBuckets } from './sales-buckets.js';

describe('bucketStart', () => {
  it('floors a time to the start of its bucket', () => {
    expect(bucketStart(25_500, 10_000)).toBe(20_000);
    expect(bucketStart(20_000, 10_000)).toBe(20_000);
    expect(bucketStart(19_999, 10_000)).toBe(10_000);
  });
});

describe('SalesBuckets', () => {
  it('counts a late sale in the bucket of its time, between kept ones too, and drops one older than the window', () => {
    const sales = new SalesBuckets({ bucketMs: 1000, buckets: [{ t: 1000, total: 1, byCategory: { a: 1 } }, { t: 3000, total: 1, byCategory: { a: 1 } }] }, 3500, 5000);
    expect(sales.add(2500, 'b', 2)).toBe(2000);
    expect(sales.add(500, 'a', 1)).toBe(0);
    expect(sales.buckets.map((b) => [b.t, b.total])).toEqual([[0, 1], [1000, 1], [2000, 2], [3000, 1]]);
    expect(sales.add(8100, 'a', 1)).toBe(8000);
    expect(sales.add(3999, 'a', 1)).toBeUndefined();
    expect(sales.buckets).toEqual([{ t: 8000, total: 1, byCategory: { a: 1 } }]);
  });

  it('moves the time sales are known from up as old buckets slide out', () => {
    const sales = new SalesBuckets({ bucketMs: 1000, buckets: [{ t: 1000, total: 1, byCategory: {} }] }, 1500, 5000);
    expect(sales.knownFrom).toBe(1000);
    sales.add(10_200, 'a', 1);
    expect(sales.knownFrom).toBe(6000);
    expect(sales.buckets.map((b) => b.t)).toEqual([10_000]);
  });
});
