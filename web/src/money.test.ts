import { describe, expect, it } from 'vitest';
import { priceFormatter } from './money.js';

describe('priceFormatter', () => {
  it('shows integer cents with the currency, in the page language', () => {
    expect(priceFormatter('EUR', 'en')(2450)).toBe('€24.50');
    expect(priceFormatter('CNY', 'zh')(2450)).toBe('¥24.50');
    expect(priceFormatter('USD', 'en')(5)).toBe('$0.05');
    expect(priceFormatter('EUR', 'en')(10_000_000)).toBe('€100,000.00');
  });
});
