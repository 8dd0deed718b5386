// The load generator's SSE client: the test kit's raw event stream, read by a byte-level parser that hands on `data`.
import type { Socket } from 'node:net';
import { openSseStream } from '@dish-live/test-support';

export interface SseDataHandler {
  /** The `data` of one event in [start, end) of `buf`; valid only during the call. */
  (buf: Buffer, start: number, end: number): void;
}

const LF = 0x0a;

/**
 * Splits an event stream into events and hands on each event's data; frames without data (comments, heartbeats,
 * `retry:`) are skipped. Lines end with LF, as every server in the bench writes them; several `data:` lines are
 * joined with LF as the spec says. Short lines are scanned in JS and a data line's end found natively: one native
 * call per event instead of one per line.
 */
export class SseStreamParser {
  #pending: Buffer | undefined;

  constructor(private readonly onData: SseDataHandler) {}

  push(chunk: Buffer): void {
    const buf = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = undefined;
    const length = buf.length;
    let frameStart = 0;
    let dataStart = -1;
    let dataEnd = -1;
    let joined: string | undefined;
    let i = 0;
    while (i < length) {
      if (buf[i] === LF) {
        // A blank line ends the frame.
        if (joined !== undefined) {
          const whole = Buffer.from(joined);
          this.onData(whole, 0, whole.length);
        } else if (dataStart >= 0) this.onData(buf, dataStart, dataEnd);
        dataStart = dataEnd = -1;
        joined = undefined;
        frameStart = ++i;
        continue;
      }
      if (buf[i] === 0x64 && buf[i + 1] === 0x61 && buf[i + 2] === 0x74 && buf[i + 3] === 0x61 && buf[i + 4] === 0x3a) {
        let s = i + 5;
        if (buf[s] === 0x20) s++;
        const e = buf.indexOf(LF, s);
        if (e < 0) break;
        if (dataStart < 0) {
          dataStart = s;
          dataEnd = e;
        } else joined = (joined ?? buf.toString('utf8', dataStart, dataEnd)) + '\n' + buf.toString('utf8', s, e);
        i = e + 1;
        continue;
      }
      let j = i;
      while (j < length && buf[j] !== LF) j++;
      if (j >= length) break;
      i = j + 1;
    }
    // An unfinished frame is parsed again, whole, when the rest arrives; a copy, as `chunk` may be a reused buffer.
    if (frameStart < length) this.#pending = Buffer.from(buf.subarray(frameStart));
  }
}

export interface SseClientHandlers {
  onOpen: () => void;
  onData: SseDataHandler;
  onEnd: (reason: string) => void;
}

/** GET an event stream and hand on each event's data. */
export function openSse(port: number, path: string, handlers: SseClientHandlers): Socket {
  const parser = new SseStreamParser(handlers.onData);
  return openSseStream(port, path, { headers: { 'Cache-Control': 'no-cache' } }, {
    onOpen: handlers.onOpen,
    onBody: (bytes) => parser.push(bytes),
    onEnd: handlers.onEnd,
  });
}
