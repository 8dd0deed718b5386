// Redis stream ids ("<ms>-<seq>") as the event log's cursor: validation and ordering without floats.
export const ZERO_ID = '0-0';

const STREAM_ID = /^(0|[1-9]\d{0,19})-(0|[1-9]\d{0,19})$/;

export function isStreamId(value: unknown): value is string {
  return typeof value === 'string' && STREAM_ID.test(value);
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
