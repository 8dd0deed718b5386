// A minimal SSE client on a raw TCP socket: HTTP/1.1 chunked decoding and an event-stream parser that hands on `data`.
import type { Socket } from 'node:net';
import { openRaw } from './ws-client.js';

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

const enum Chunk {
  Size,
  Data,
  DataEnd,
  Done,
}

/**
 * Decodes `Transfer-Encoding: chunked` from reads split anywhere. The payload of one read is handed on as one buffer
 * (HTTP chunks are one per server write, i.e. one per event here), so the SSE parser runs once per read.
 */
export class ChunkedDecoder {
  #state = Chunk.Size;
  #size = 0;
  #sawDigit = false;
  #inExtension = false;
  #remaining = 0;
  #crlfLeft = 0;

  constructor(private readonly onPayload: (piece: Buffer) => void) {}

  get done(): boolean {
    return this.#state === Chunk.Done;
  }

  push(chunk: Buffer): void {
    const pieces: Buffer[] = [];
    let total = 0;
    let pos = 0;
    while (pos < chunk.length && this.#state !== Chunk.Done) {
      switch (this.#state) {
        case Chunk.Size: {
          const c = chunk[pos++]!;
          if (c === LF) {
            this.#remaining = this.#size;
            this.#state = this.#size === 0 ? Chunk.Done : Chunk.Data;
            this.#size = 0;
            this.#sawDigit = false;
            this.#inExtension = false;
          } else if (!this.#inExtension && c !== 0x0d) {
            const digit = hexValue(c);
            if (digit < 0) this.#inExtension = this.#sawDigit;
            else {
              this.#size = this.#size * 16 + digit;
              this.#sawDigit = true;
            }
          }
          break;
        }
        case Chunk.Data: {
          const take = Math.min(this.#remaining, chunk.length - pos);
          pieces.push(chunk.subarray(pos, pos + take));
          total += take;
          pos += take;
          this.#remaining -= take;
          if (this.#remaining === 0) {
            this.#state = Chunk.DataEnd;
            this.#crlfLeft = 2;
          }
          break;
        }
        case Chunk.DataEnd:
          pos++;
          if (--this.#crlfLeft === 0) this.#state = Chunk.Size;
          break;
      }
    }
    if (pieces.length === 1) this.onPayload(pieces[0]!);
    else if (pieces.length > 1) this.onPayload(Buffer.concat(pieces, total));
  }
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export interface SseClientHandlers {
  onOpen: () => void;
  onData: SseDataHandler;
  onEnd: (reason: string) => void;
}

/** GET an event stream and hand on each event's data. */
export function openSse(port: number, path: string, handlers: SseClientHandlers): Socket {
  const parser = new SseStreamParser(handlers.onData);
  let sink: (chunk: Buffer) => void = (chunk) => parser.push(chunk);
  const request =
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n`;
  return openRaw(port, request, 200, {
    onOpen: (rest, head) => {
      if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) {
        const decoder = new ChunkedDecoder((piece) => parser.push(piece));
        sink = (chunk) => decoder.push(chunk);
      }
      handlers.onOpen();
      if (rest.length) sink(rest);
    },
    onBody: (chunk) => sink(chunk),
    onEnd: handlers.onEnd,
  });
}
