// The few runtime values of the wire contract the client needs, without zod: the browser bundle must not carry the
// protocol's validators for them. wire.test.ts checks each against @dish-live/protocol, so the two cannot drift.
import type { EventType } from '@dish-live/protocol';

export const ZERO_ID = '0-0';

const STREAM_ID = /^(0|[1-9]\d{0,19})-(0|[1-9]\d{0,19})$/;
/** Both parts are unsigned 64-bit in Redis. */
const U64_MAX = '18446744073709551615';

export function isStreamId(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = STREAM_ID.exec(value);
  return match !== null && compareDecimal(match[1] ?? '', U64_MAX) <= 0 && compareDecimal(match[2] ?? '', U64_MAX) <= 0;
}

/** Orders two valid stream ids: negative when a < b, 0 when equal, positive when a > b. */
export function compareStreamIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  return compareDecimal(am, bm) || compareDecimal(as, bs);
}

function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export const EVENT_TYPES: readonly EventType[] = ['dish.created', 'dish.updated', 'dish.deleted', 'dish.sold', 'chat.message'];

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

export const CLOSE_CODES = { policy: 1008, tooLarge: 1009, restarting: 1012, tokenExpired: 4001, slowConsumer: 4008 } as const;

/** Chat field lengths, for inputs that stop at the limit instead of letting the server refuse. */
export const CHAT_LIMITS = { author: 40, text: 500 } as const;

/** Chat messages a snapshot carries, and so what the client keeps. */
export const RECENT_CHAT = 50;
