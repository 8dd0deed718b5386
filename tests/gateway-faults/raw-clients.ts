// Lightweight clients over raw TCP for the gateway fault tests: a WebSocket one that can also send broken frames on
// purpose, and an SSE one, both cheap enough to hold thousands of in one test process.
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface RawOptions {
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Keep every text message (false: keep only the first, and count the rest). */
  keep?: boolean;
}

export type RawStatus = { status: number; headers: string; body: string };

/**
 * A WebSocket client on a raw socket: it answers pings, keeps text messages, notes the close code, and sends any frame
 * it is told to, valid or not (masking, FIN, RSV bits and opcodes are the caller's choice).
 */
export class RawWs {
  readonly socket: Socket;
  readonly messages: string[] = [];
  first: string | undefined;
  count = 0;
  closeCode: number | undefined;
  closeReason: string | undefined;
  closed = false;
  /** The HTTP answer when the server refused the upgrade. */
  refused: RawStatus | undefined;
  readonly opened: Promise<void>;
  readonly ended: Promise<void>;
  onText: ((text: string) => void) | undefined;
  #buf: Buffer = Buffer.alloc(0);
  #upgraded = false;
  #waiters: { done: (text: string) => boolean; resolve: () => void }[] = [];
  readonly #keep: boolean;

  constructor(port: number, path: string, options: RawOptions = {}) {
    this.#keep = options.keep ?? true;
    this.socket = connect({ host: '127.0.0.1', port });
    this.socket.setNoDelay(true);
    let opened!: () => void;
    let failed!: (err: Error) => void;
    this.opened = new Promise<void>((resolve, reject) => {
      opened = resolve;
      failed = reject;
    });
    this.opened.catch(() => undefined);
    this.ended = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    this.socket.once('connect', () => {
      const extra = Object.entries(options.headers ?? {}).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      this.socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
      );
    });
    this.#failed = failed;
    this.socket.on('data', (chunk: Buffer) => {
      this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
      if (this.#refusal) return this.#refusalDone(false);
      if (!this.#upgraded) {
        const end = this.#buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = this.#buf.subarray(0, end).toString('latin1');
        const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0);
        if (status !== 101) {
          // Refused: an HTTP answer with a body of Content-Length bytes (the server may keep the socket open).
          this.#refusal = { status, head, bodyAt: end + 4, length: Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? -1) };
          this.#refusalDone(false);
          return;
        }
        this.#upgraded = true;
        this.#buf = this.#buf.subarray(end + 4);
        opened();
      }
      this.#frames();
    });
    this.socket.on('error', () => undefined);
    this.socket.once('close', () => {
      this.closed = true;
      if (this.#refusal) this.#refusalDone(true);
      else failed(new Error('closed before the upgrade'));
    });
  }

  #refusal: { status: number; head: string; bodyAt: number; length: number } | undefined;
  #failed: (err: Error) => void = () => undefined;

  #refusalDone(closed: boolean): void {
    const r = this.#refusal!;
    if (this.refused) return;
    const body = this.#buf.subarray(r.bodyAt);
    if (!closed && (r.length < 0 || body.length < r.length)) return;
    this.refused = { status: r.status, headers: r.head, body: body.toString('utf8') };
    this.#failed(new Error(`upgrade refused: ${r.status}`));
    this.socket.destroy();
  }

  #frames(): void {
    for (;;) {
      const b = this.#buf;
      if (b.length < 2) return;
      const opcode = b[0]! & 0x0f;
      let len = b[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      if (b.length < at + len) return;
      const payload = b.subarray(at, at + len);
      this.#buf = b.subarray(at + len);
      if (opcode === 1) {
        const text = payload.toString('utf8');
        this.count++;
        if (this.first === undefined) this.first = text;
        if (this.#keep) this.messages.push(text);
        this.onText?.(text);
        if (this.#waiters.length > 0) this.#waiters = this.#waiters.filter((w) => (w.done(text) ? (w.resolve(), false) : true));
      } else if (opcode === 8) {
        this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.closeReason = payload.subarray(2).toString('utf8');
        this.socket.end();
      } else if (opcode === 9) {
        this.frame(0xa, Buffer.from(payload));
      }
    }
  }

  /** Resolves once `n` text messages have arrived (bounded by the caller). */
  whenCount(n: number): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ done: () => this.count >= n, resolve }));
  }

  /** Resolves once a text message containing `needle` has arrived (kept messages are searched too). */
  whenText(needle: string): Promise<void> {
    if (this.messages.some((m) => m.includes(needle))) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ done: (text) => text.includes(needle), resolve }));
  }

  /** Writes one frame: masked unless told otherwise, FIN unless told otherwise, RSV bits as given. */
  frame(opcode: number, payload: Buffer, o: { fin?: boolean; mask?: boolean; rsv?: number } = {}): void {
    if (this.socket.destroyed) return;
    const fin = o.fin ?? true;
    const mask = o.mask ?? true;
    const n = payload.length;
    const head: number[] = [(fin ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | (opcode & 0x0f)];
    const m = mask ? 0x80 : 0;
    if (n < 126) head.push(m | n);
    else if (n < 65536) head.push(m | 126, n >> 8, n & 255);
    else {
      head.push(m | 127, 0, 0, 0, 0);
      head.push((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
    }
    let body: Buffer = payload;
    const parts: Buffer[] = [Buffer.from(head)];
    if (mask) {
      const key = randomBytes(4);
      body = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) body[i] = payload[i]! ^ key[i & 3]!;
      parts.push(key);
    }
    parts.push(body);
    this.socket.write(Buffer.concat(parts));
  }

  text(value: string | object): void {
    this.frame(1, Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));
  }

  /** An abrupt drop (RST, no close frame, no TIME_WAIT): what a lost network looks like to the server. */
  drop(): void {
    if (!this.socket.destroyed) this.socket.resetAndDestroy();
    this.closed = true;
  }
}

/**
 * An SSE client on a raw socket: keeps the raw text it received (without chunk sizes it does not care about) and says
 * when a given event name arrived.
 */
export class RawSse {
  readonly socket: Socket;
  status: number | undefined;
  head = '';
  received = '';
  closed = false;
  readonly ended: Promise<void>;
  #waiters: { needle: string; resolve: () => void }[] = [];
  #length = -1;

  /**
   * `http10`: ask in HTTP/1.0, so the body comes unchunked and `received` is exactly the event stream (for parsing);
   * otherwise HTTP/1.1 as browsers ask, and `received` may hold chunk sizes between frames.
   */
  constructor(port: number, path: string, headers: Record<string, string> = {}, readonly keep = true, http10 = false) {
    this.socket = connect({ host: '127.0.0.1', port });
    this.ended = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    this.socket.once('connect', () => {
      const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      this.socket.write(`GET ${path} HTTP/1.${http10 ? 0 : 1}\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n${extra}\r\n`);
    });
    let pending = '';
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => {
      if (this.status === undefined) {
        pending += chunk;
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        this.head = pending.slice(0, end);
        this.status = Number(/^HTTP\/1\.[01] (\d+)/.exec(this.head)?.[1] ?? 0);
        chunk = pending.slice(end + 4);
        pending = '';
        this.#length = this.status === 200 ? -1 : Number(/\r\ncontent-length: *(\d+)/i.exec(this.head)?.[1] ?? -1);
      }
      const text = this.received + chunk;
      this.#check(text);
      this.received = this.keep ? text : text.slice(-256);
      // A refusal is complete at Content-Length: done, whether or not the server keeps the socket.
      if (this.#length >= 0 && Buffer.byteLength(this.received, 'utf8') >= this.#length) this.socket.destroy();
    });
    this.socket.on('error', () => undefined);
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

  /** Resolves when `needle` has arrived (bounded by the caller). */
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
