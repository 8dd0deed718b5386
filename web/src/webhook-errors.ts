// What went wrong with a webhook call, in words: the reader's own language first (what to do), then the server's.
import { ApiError, describeError } from './api.js';
import type { MessageKey, Translate } from './i18n.js';

const REASONS = ['malformed', 'too-long', 'scheme', 'credentials', 'blocked-address', 'unresolvable'] as const;
type Reason = (typeof REASONS)[number];
const isReason = (value: string | undefined): value is Reason => (REASONS as readonly (string | undefined)[]).includes(value);

/** A form value refused before any request (no event chosen, a threshold that is no whole number). */
export class InputError extends Error {
  override name = 'InputError';
}

/** One line saying what to do, when the status says it (token, limit, a refused URL), then describeError's lines. */
export function webhookErrorLines(err: unknown, t: Translate): string[] {
  if (err instanceof InputError) return [err.message];
  const lines = describeError(err, (detail) => t('error.network', { detail }));
  const hint = err instanceof ApiError ? hintFor(err, t) : undefined;
  return hint ? [hint, ...lines] : lines;
}

function hintFor(err: ApiError, t: Translate): string | undefined {
  if (err.status === 401) return t('alerts.needToken');
  if (err.status === 403) return t('alerts.wrongToken');
  if (err.status === 409 && err.type === 'urn:dish-live:problem:webhook-limit') return t('alerts.limit');
  if (err.status === 422 && isReason(err.reason)) return t('alerts.refusedLine', { reason: t(`alerts.reason.${err.reason}` satisfies MessageKey) });
  return undefined;
}
