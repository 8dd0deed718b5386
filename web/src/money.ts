// Prices as people read them: integer cents shown in the configured currency, written the page language's way.
import type { Locale } from './i18n.js';

const TAGS: Record<Locale, string> = { en: 'en', zh: 'zh-CN' };

/** A formatter from integer cents; exact for every price the contract allows (at most 10,000,000 cents). */
export function priceFormatter(currency: string, locale: Locale): (cents: number) => string {
  const format = new Intl.NumberFormat(TAGS[locale], { style: 'currency', currency });
  return (cents) => format.format(cents / 100);
}
