import { describe, expect, it } from 'vitest';
import { salesBuckets } from './reads-seed.js';

describe('salesBuckets', () => {
  it('lays 24 h of 10 s buckets back from the one now falls in, oldest first', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0, 7_500);
    const buckets = salesBuckets(now, 8640, 10_000, ['pizza', 'soup']);
    expect(buckets).toHaveLength(8640);
    expect(buckets.at(-1)!.t).toBe(Date.UTC(2026, 0, 1, 12, 0, 0));
    expect(buckets[0]!.t).toBe(buckets.at(-1)!.t - 8639 * 10_000);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.t - buckets[i - 1]!.t).toBe(10_000);
  });

  it('gives each bucket a figure per category and their sum as the total', () => {
    for (const { fields } of salesBuckets(1_000_000, 20, 10_000, ['pizza', 'soup', 'tea'])) {
      expect(Object.keys(fields).sort()).toEqual(['c:pizza', 'c:soup', 'c:tea', 'total']);
      expect(fields.total).toBe(fields['c:pizza']! + fields['c:soup']! + fields['c:tea']!);
      expect(fields['c:pizza']).toBeGreaterThan(0);
    }
  });
});
