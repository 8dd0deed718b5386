// Subscription options shared by every transport (query string, hello message, client): parsing and the filter key.
import { LIMITS } from './limits.js';

export interface SubscriptionOptions {
  since?: string;
  maxRate?: number;
  /** Sorted, de-duplicated; undefined means every category. */
  categories?: string[];
}

export type OptionsResult = { ok: true; options: SubscriptionOptions } | { ok: false; field: string; message: string };

/**
 * Parses `since`, `maxRate` and `categories` as query strings give them (`categories=a,b` or repeated).
 * `since` is kept as given: an unusable one means a fresh snapshot, never an error.
 */
export function parseSubscriptionQuery(query: URLSearchParams): OptionsResult {
  const options: SubscriptionOptions = {};
  const since = query.get('since');
  // Longer than any stream id can be: unusable, so dropped (a fresh snapshot), as the contract says, never an error.
  if (since !== null && since !== '' && since.length <= 64) options.since = since;
  const maxRate = query.get('maxRate');
  if (maxRate !== null && maxRate !== '') {
    const n = Number(maxRate);
    if (!/^\d+$/.test(maxRate) || n < LIMITS.maxRate.min || n > LIMITS.maxRate.max) {
      return { ok: false, field: 'maxRate', message: `maxRate must be an integer from ${LIMITS.maxRate.min} to ${LIMITS.maxRate.max}` };
    }
    options.maxRate = n;
  }
  const raw = query.getAll('categories').flatMap((v) => v.split(','));
  if (raw.length > 0) {
    const result = normalizeCategories(raw);
    if (!result.ok) return result;
    options.categories = result.categories;
  }
  return { ok: true, options };
}

export function normalizeCategories(
  raw: readonly string[],
): { ok: true; categories: string[] | undefined } | { ok: false; field: string; message: string } {
  const trimmed = raw.map((c) => c.trim()).filter((c) => c.length > 0);
  if (trimmed.length > LIMITS.categoriesPerFilter) {
    return { ok: false, field: 'categories', message: `at most ${LIMITS.categoriesPerFilter} categories` };
  }
  if (trimmed.some((c) => c.length > LIMITS.category.max)) {
    return { ok: false, field: 'categories', message: `a category is at most ${LIMITS.category.max} characters` };
  }
  return { ok: true, categories: trimmed.length === 0 ? undefined : [...new Set(trimmed)].sort() };
}

/** One key per distinct filter set: clients with equal keys share one serialization of every event. */
export function filterKey(categories: readonly string[] | undefined): string {
  return categories === undefined ? '*' : JSON.stringify(categories);
}
