// An event stream on a raw TCP socket: the GET, HTTP/1.1 chunked decoding, and the stream's bytes handed on.
// `openSseStream` serves the bench's load generator (no allocation per read); `RawSse` the tests (the protocol's parser).
import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { SseParser, type SseEvent } from '@dish-live/protocol';
import { headerLines, openRaw } from './raw-connection.js';

const LF = 0x0a;

const enum Chunk {
  Size,
  Data,
  DataEnd,
  Done,
}

/**
 * Decodes `Transfer-Encoding: chunked` from reads split anywhere. The payload of one read is handed on as one buffer
 * (HTTP chunks are one per server write, i.e. one per event here), so a stream parser runs once per read.
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

const CHUNKED = /\r\ntransfer-encoding:[^\r]*chunked/i;

export interface SseRequestOptions {
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Ask in HTTP/1.0, so the body comes unchunked (HTTP/1.1, as browsers ask, by default). */
  http10?: boolean;
}

export interface SseStreamHandlers {
  /** The stream was granted (200); `head` is the response's header block. */
  onOpen: (head: string) => void;
  /** Another status: its body follows through onBody. Without this handler the connection is destroyed at once. */
  onRefused?: (status: number, head: string) => void;
  /** Body bytes without chunk framing; valid only during the call. */
  onBody: (bytes: Buffer) => void;
  /** A chunked body ended (its last, empty chunk), whether or not the server keeps the connection open. */
  onBodyEnd?: () => void;
  onEnd: (reason: string) => void;
}

/** GETs `path` as an event stream and hands on its body, chunked or not, as the bytes the server meant. */
export function openSseStream(port: number, path: string, options: SseRequestOptions, handlers: SseStreamHandlers): Socket {
  let sink = handlers.onBody;
  const body = (head: string, rest: Buffer) => {
    if (CHUNKED.test(head)) {
      const decoder = new ChunkedDecoder(handlers.onBody);
      const onBodyEnd = handlers.onBodyEnd;
      sink = onBodyEnd
        ? (chunk) => {
            decoder.push(chunk);
            if (decoder.done) onBodyEnd();
          }
        : (chunk) => decoder.push(chunk);
    }
    if (rest.length) sink(rest);
  };
  const request =
    `GET ${path} HTTP/1.${options.http10 ? 0 : 1}\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n` +
    `${headerLines(options.headers ?? {})}\r\n`;
  const onRefused = handlers.onRefused;
  return openRaw(port, request, 200, {
    onOpen: (rest, head) => {
      handlers.onOpen(head);
      body(head, rest);
    },
    onRefused: onRefused && ((status, head, rest) => {
      onRefused(status, head);
      body(head, rest);
    }),
    onBody: (chunk) => sink(chunk),
    onEnd: handlers.onEnd,
  });
}

export interface RawSseOptions extends SseRequestOptions {
  /** Keep the text and the events received (false: only the last 256 characters, for waiting on). */
  keep?: boolean;
}

/**
 * A test's SSE client on a raw socket, cheap enough to hold thousands of in one process: the status and head it got,
 * the text of the stream (or of a refusal's body), its events as the protocol's SseParser reads them, and waits on
 * what arrived.
 */
export class RawSse {
  readonly socket: Socket;
  status: number | undefined;
  head = '';
  /** The body as text: the event stream without chunk framing, or a refusal's body. */
  received = '';
  /** The stream's events, when kept. */
  readonly events: SseEvent[] = [];
  closed = false;
  readonly ended: Promise<void>;
  readonly #keep: boolean;
  #waiters: { needle: string; resolve: () => void }[] = [];
  /** A refusal is complete at Content-Length bytes; -1 while streaming. */
  #length = -1;
  #bytes = 0;

  constructor(port: number, path: string, options: RawSseOptions = {}) {
    this.#keep = options.keep ?? true;
    const text = new StringDecoder('utf8');
    const parser = new SseParser({ onEvent: (e) => this.events.push(e) });
    this.socket = openSseStream(port, path, options, {
      onOpen: (head) => {
        this.status = 200;
        this.head = head;
      },
      onRefused: (status, head) => {
        this.status = status;
        this.head = head;
        this.#length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? -1);
      },
      onBody: (bytes) => {
        this.#bytes += bytes.length;
        const chunk = text.write(bytes);
        if (this.status === 200 && this.#keep) parser.feed(chunk);
        const all = this.received + chunk;
        this.#check(all);
        this.received = this.#keep ? all : all.slice(-256);
        // A refusal is complete at Content-Length: done, whether or not the server keeps the socket.
        if (this.#length >= 0 && this.#bytes >= this.#length) this.socket.destroy();
      },
      // Or at the end of its chunked body.
      onBodyEnd: () => {
        if (this.status !== 200) this.socket.destroy();
      },
      onEnd: () => undefined,
    });
    this.ended = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    this.socket.once('close', () => (this.closed = true));
  }

  #check(text: string): void {
    if (this.#waiters.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => {
      if (!text.includes(w.needle)) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves when `needle` has arrived in the text (bounded by the caller). */
  until(needle: string): Promise<void> {
    if (this.received.includes(needle)) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.push({ needle, resolve });
    });
  }

  drop(): void {
    if (!this.socket.destroyed) this.socket.resetAndDestroy();
    this.closed = true;
  }
}
