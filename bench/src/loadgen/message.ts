// Reads what the bench needs from one server message (type, ts, sequence) straight from the bytes, without JSON.parse.
import type { Counters, LatencyHistogram, SequenceTracker } from './stats.js';

/** The bench's single dish: its `version` is the publisher's sequence number. */
export const BENCH_DISH_ID = 'bench-1';

function readInt(buf: Buffer, i: number, end: number): number {
  let n = 0;
  let digits = 0;
  for (; i < end; i++, digits++) {
    const c = buf[i]!;
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return digits ? n : -1;
}

interface Versioned {
  id?: string;
  version?: number;
}

/** Snapshot and state are rare (one per connect, or per conflation): JSON.parse is fine there. */
function benchDishVersion(json: string): number {
  const message = JSON.parse(json) as { dishes?: Versioned[] };
  const dish = message.dishes?.find((d) => d.id === BENCH_DISH_ID);
  return typeof dish?.version === 'number' ? dish.version : -1;
}

/** What one client keeps to account for its messages. */
export interface MessageSink {
  counters: Counters;
  latency: LatencyHistogram;
  sequence: SequenceTracker;
}

const QUOTE = 0x22;
const COLON = 0x3a;

/** `"version":` at i: a quote, the word and `":` (a quote inside a JSON string is escaped, so no value matches). */
function isVersionKey(buf: Buffer, i: number): boolean {
  return (
    buf[i] === QUOTE && buf[i + 1] === 0x76 && buf[i + 2] === 0x65 && buf[i + 3] === 0x72 && buf[i + 7] === 0x6e &&
    buf[i + 8] === QUOTE && buf[i + 9] === COLON
  );
}

/** How far from the end `"version":` is looked for first: the dish's last fields are `"version":N,"updatedAt":N}`. */
const VERSION_TAIL = 96;

/** Where the bench dish's version number starts, or -1: backwards from the end first, then the whole message. */
function findVersion(buf: Buffer, start: number, end: number): number {
  const stop = Math.max(start, end - VERSION_TAIL);
  for (let i = end - 10; i >= stop; i--) if (isVersionKey(buf, i)) return i + 10;
  for (let i = start; i < stop; i++) if (isVersionKey(buf, i)) return i + 10;
  return -1;
}

/**
 * Accounts one message (a JSON object, or Socket.IO's `["event",{...}]`) in [start, end) of `buf`, received at `now`
 * (ms since the epoch, fractional).
 *
 * Read straight from the bytes, in any field order: one forward pass until `"type":"` and `"ts":` are found (both in
 * the envelope, ahead of the dish), then `"version":` backwards from the end, where every dish has it. The load
 * generator's core is what limits the bench, and this is most of its work per message.
 */
export function accountMessage(sink: MessageSink, buf: Buffer, start: number, end: number, now: number): void {
  const { counters } = sink;
  counters.bytes += end - start;
  let kind = -1;
  let ts = -1;
  for (let i = start; i < end; i++) {
    if (buf[i] !== QUOTE || buf[i + 1] !== 0x74 /* t */) continue;
    if (kind < 0 && buf[i + 2] === 0x79 && buf[i + 5] === QUOTE && buf[i + 6] === COLON && buf[i + 7] === QUOTE) {
      kind = i + 8;
      i += 7;
    } else if (ts < 0 && buf[i + 2] === 0x73 && buf[i + 3] === QUOTE && buf[i + 4] === COLON) {
      ts = i + 5;
      i += 4;
    }
    if (ts >= 0 && kind >= 0) break;
  }
  const type = kind >= 0 ? buf[kind] : 0;
  // dish.* and chat.message: the events.
  if (type === 0x64 || type === 0x63) {
    counters.events++;
    if (ts >= 0) {
      const latency = now - readInt(buf, ts, end);
      sink.latency.record(latency > 0 ? latency : 0);
    }
    if (type === 0x64) {
      const version = findVersion(buf, start, end);
      if (version >= 0) sink.sequence.event(readInt(buf, version, end), counters);
    }
    return;
  }
  counters.control++;
  // snapshot or state: "s" then "n" or "t".
  if (type === 0x73) {
    const seq = benchDishVersion(buf.toString('utf8', start, end));
    if (seq >= 0) sink.sequence.jump(seq, counters, buf[kind + 1] === 0x74);
  }
}
