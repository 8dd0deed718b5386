// Server-Sent Events framing per the HTML spec: an encoder for the gateway and an incremental parser for clients and tests.
import type { ServerMessage } from './messages.js';

export interface SseFrame {
  event?: string;
  id?: string;
  data?: string;
  retry?: number;
  comment?: string;
}

const LINE_BREAK = /\r\n|\r|\n/;

export function encodeSseFrame(frame: SseFrame): string {
  let out = '';
  if (frame.comment !== undefined) for (const line of frame.comment.split(LINE_BREAK)) out += `: ${line}\n`;
  if (frame.retry !== undefined) {
    if (!Number.isInteger(frame.retry) || frame.retry < 0) throw new RangeError('retry must be a non-negative integer');
    out += `retry: ${frame.retry}\n`;
  }
  if (frame.event !== undefined) {
    if (/[\r\n]/.test(frame.event)) throw new RangeError('event name must be one line');
    out += `event: ${frame.event}\n`;
  }
  if (frame.id !== undefined) {
    if (/[\r\n\0]/.test(frame.id)) throw new RangeError('id must be one line without NUL');
    out += `id: ${frame.id}\n`;
  }
  if (frame.data !== undefined) for (const line of frame.data.split(LINE_BREAK)) out += `data: ${line}\n`;
  return out + '\n';
}

/**
 * A server message as one SSE frame: `event:` its type, `id:` its id where it names a position in the log. `json` is
 * the message already serialized, as the gateway holds it: JSON.stringify never emits a raw line break, so it is
 * one `data:` line and needs no splitting.
 */
export function encodeSseMessage(message: ServerMessage, json: string = JSON.stringify(message)): string {
  const id = message.type === 'resumed' || !('id' in message) ? undefined : message.id;
  return id === undefined ? `event: ${message.type}\ndata: ${json}\n\n` : `event: ${message.type}\nid: ${id}\ndata: ${json}\n\n`;
}

export interface SseEvent {
  /** The event type; "message" when the frame named none. */
  event: string;
  data: string;
  /** The last event id as the spec keeps it: it persists across events until a new `id:` line. */
  lastEventId: string;
}

export interface SseParserHandlers {
  onEvent(event: SseEvent): void;
  onComment?(text: string): void;
  onRetry?(ms: number): void;
}

/** Incremental SSE parser: feed it chunks as they arrive, in any split. */
export class SseParser {
  #buffer = '';
  #data = '';
  #hasData = false;
  #event = '';
  /** The spec's "last event ID buffer": set by `id:` lines, committed to #lastEventId only when an event is dispatched. */
  #idBuffer = '';
  #lastEventId = '';
  #sawBom = false;
  #pendingCr = false;

  constructor(private readonly handlers: SseParserHandlers) {}

  /** The id a reconnect sends: the spec's "last event ID string", which an unfinished frame does not change. */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  feed(chunk: string): void {
    // An empty chunk must not forget a CR that ended the previous one.
    if (chunk.length === 0) return;
    if (!this.#sawBom) {
      this.#sawBom = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    // A CR that ended the previous chunk already ended its line; a LF right after it is part of the same break.
    if (this.#pendingCr && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.#pendingCr = false;
    this.#buffer += chunk;
    let start = 0;
    for (let i = 0; i < this.#buffer.length; i++) {
      const c = this.#buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.#line(this.#buffer.slice(start, i));
      if (c === 13) {
        if (i + 1 < this.#buffer.length) {
          if (this.#buffer.charCodeAt(i + 1) === 10) i++;
        } else this.#pendingCr = true;
      }
      start = i + 1;
    }
    this.#buffer = this.#buffer.slice(start);
  }

  #line(line: string): void {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) {
      this.handlers.onComment?.(line.slice(1).replace(/^ /, ''));
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data += value + '\n';
        this.#hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.#idBuffer = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.handlers.onRetry?.(Number(value));
        break;
      default:
        break;
    }
  }

  #dispatch(): void {
    // Per spec the id is committed on every blank line, even one that dispatches nothing.
    this.#lastEventId = this.#idBuffer;
    if (!this.#hasData) {
      this.#event = '';
      return;
    }
    const data = this.#data.slice(0, -1);
    const event = this.#event || 'message';
    this.#data = '';
    this.#hasData = false;
    this.#event = '';
    this.handlers.onEvent({ event, data, lastEventId: this.#lastEventId });
  }
}
