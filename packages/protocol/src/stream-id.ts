// Redis stream ids ("<ms>-<seq>") as the event log's cursor: validation and ordering without floats.
export const ZERO_ID = '0-0';

const STREAM_ID = /^(0|[1-9]\d{0,19})-(0|[1-9]\d{0,19})$/;

/** Both parts are unsigned 64-bit in Redis; a larger number would make XRANGE fail instead of meaning "unusable". */
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
