// A WebSocket client on a raw TCP socket: the handshake, an incremental frame parser and client frames. `openWs` is the
// bench's load generator client (no allocation per message); `RawWs` the tests' (keeps messages, sends any frame).
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { headerLines, openRaw } from './raw-connection.js';

export interface WsFrameHandlers {
  /** A complete text message in [start, end) of `buf`; valid only during the call. */
  onText: (buf: Buffer, start: number, end: number) => void;
  onPing: (payload: Buffer) => void;
  onClose: (code: number, reason: string) => void;
}

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;

export const OPCODES = { continuation: OP_CONTINUATION, text: OP_TEXT, binary: 0x2, close: OP_CLOSE, ping: OP_PING, pong: 0xa } as const;

/** Parses server → client frames (unmasked) from chunks split anywhere. Binary and pong frames are skipped. */
export class WsFrameParser {
  /** Bytes of an unfinished frame, kept as a list until the frame is complete so large frames are copied once. */
  #pending: Buffer[] = [];
  #pendingLength = 0;
  /** How many bytes the unfinished frame needs before parsing can go on. */
  #needed = 0;
  /** Parts of a fragmented message; rare, so it may allocate. */
  #fragments: Buffer[] | undefined;
  #fragmentedText = false;

  constructor(private readonly handlers: WsFrameHandlers) {}

  /** `chunk` may be a reused read buffer: whatever is kept past this call is copied. */
  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.#pendingLength > 0) {
      this.#pending.push(Buffer.from(chunk));
      this.#pendingLength += chunk.length;
      if (this.#pendingLength < this.#needed) return;
      buf = Buffer.concat(this.#pending, this.#pendingLength);
      this.#pending = [];
      this.#pendingLength = 0;
    }
    let pos = 0;
    const length = buf.length;
    let needed = 2;
    while (length - pos >= 2) {
      const b0 = buf[pos]!;
      const b1 = buf[pos + 1]!;
      let size = b1 & 0x7f;
      let header = 2;
      if (size === 126) {
        header = 4;
        if (length - pos < header) {
          needed = header;
          break;
        }
        size = buf.readUInt16BE(pos + 2);
      } else if (size === 127) {
        header = 10;
        if (length - pos < header) {
          needed = header;
          break;
        }
        size = Number(buf.readBigUInt64BE(pos + 2));
      }
      // Servers never mask; a masked frame is skipped whole rather than misread.
      const mask = b1 & 0x80 ? 4 : 0;
      const start = pos + header + mask;
      const end = start + size;
      if (end > length) {
        needed = end - pos;
        break;
      }
      if (!mask) this.#frame(b0, buf, start, end);
      pos = end;
      needed = 2;
    }
    if (pos < length) {
      this.#pending.push(Buffer.from(buf.subarray(pos)));
      this.#pendingLength = length - pos;
      this.#needed = needed;
    }
  }

  #frame(b0: number, buf: Buffer, start: number, end: number): void {
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if (opcode === OP_TEXT && fin) return this.handlers.onText(buf, start, end);
    if (opcode === OP_TEXT || (opcode === OP_CONTINUATION && this.#fragments)) {
      if (opcode === OP_TEXT) {
        this.#fragments = [];
        this.#fragmentedText = true;
      }
      this.#fragments!.push(Buffer.from(buf.subarray(start, end)));
      if (fin) {
        const whole = Buffer.concat(this.#fragments!);
        this.#fragments = undefined;
        if (this.#fragmentedText) this.handlers.onText(whole, 0, whole.length);
      }
      return;
    }
    if (opcode === OP_CLOSE) {
      const code = end - start >= 2 ? buf.readUInt16BE(start) : 1005;
      return this.handlers.onClose(code, end - start > 2 ? buf.toString('utf8', start + 2, end) : '');
    }
    if (opcode === OP_PING) this.handlers.onPing(Buffer.from(buf.subarray(start, end)));
  }
}

export interface FrameOptions {
  /** The last frame of its message (default true). */
  fin?: boolean;
  /** Masked, as a client must (default true); false only to see what a server makes of it. */
  mask?: boolean;
  /** The three RSV bits, as a number 0–7 (default 0). */
  rsv?: number;
}

/** One client frame, valid or not as the options make it (FIN, RSV bits and opcode are the caller's choice). */
export function encodeFrame(opcode: number, payload: Buffer, options: FrameOptions = {}): Buffer {
  const n = payload.length;
  const mask = options.mask ?? true;
  const lengthBytes = n < 126 ? 0 : n < 65_536 ? 2 : 8;
  const at = 2 + lengthBytes + (mask ? 4 : 0);
  const frame = Buffer.allocUnsafe(at + n);
  frame[0] = ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | (opcode & 0x0f);
  const maskBit = mask ? 0x80 : 0;
  if (lengthBytes === 0) frame[1] = maskBit | n;
  else if (lengthBytes === 2) {
    frame[1] = maskBit | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = maskBit | 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  if (!mask) {
    payload.copy(frame, at);
    return frame;
  }
  const key = randomBytes(4);
  key.copy(frame, at - 4);
  for (let i = 0; i < n; i++) frame[at + i] = payload[i]! ^ key[i & 3]!;
  return frame;
}

export function wsUpgradeRequest(port: number, path: string, headers: Record<string, string> = {}): string {
  const key = randomBytes(16).toString('base64');
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${headerLines(headers)}\r\n`
  );
}

export interface WsClientHandlers {
  onOpen: () => void;
  onText: (buf: Buffer, start: number, end: number) => void;
  onEnd: (reason: string) => void;
}

/** A WebSocket connection for the load generator: answers pings, reports text messages and the end. */
export function openWs(port: number, path: string, handlers: WsClientHandlers): Socket {
  let socket: Socket | undefined = undefined;
  const parser = new WsFrameParser({
    onText: handlers.onText,
    onPing: (payload) => socket?.write(encodeFrame(OPCODES.pong, payload)),
    onClose: (code) => {
      handlers.onEnd(`close ${code}`);
      socket?.destroy();
    },
  });
  socket = openRaw(port, wsUpgradeRequest(port, path), 101, {
    onOpen: (rest) => {
      handlers.onOpen();
      if (rest.length) parser.push(rest);
    },
    onBody: (chunk) => parser.push(chunk),
    onEnd: handlers.onEnd,
  });
  return socket;
}

export interface RawWsOptions {
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Keep every text message (false: keep only the first, and count the rest). */
  keep?: boolean;
}

export interface RawRefusal {
  status: number;
  headers: string;
  body: string;
}

/**
 * A test's WebSocket client on a raw socket, cheap enough to hold thousands of in one process: it answers pings, keeps
 * text messages, notes the close code, and sends any frame it is told to, valid or not.
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
  refused: RawRefusal | undefined;
  readonly opened: Promise<void>;
  readonly ended: Promise<void>;
  onText: ((text: string) => void) | undefined;
  #waiters: { done: (text: string) => boolean; resolve: () => void }[] = [];
  readonly #keep: boolean;

  constructor(port: number, path: string, options: RawWsOptions = {}) {
    this.#keep = options.keep ?? true;
    let opened!: () => void;
    let failed!: (err: Error) => void;
    this.opened = new Promise<void>((resolve, reject) => {
      opened = resolve;
      failed = reject;
    });
    this.opened.catch(() => undefined);
    const parser = new WsFrameParser({
      onText: (buf, start, end) => this.#text(buf.toString('utf8', start, end)),
      onPing: (payload) => this.frame(OPCODES.pong, payload),
      onClose: (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason;
        this.socket.end();
      },
    });
    // A refusal is an HTTP answer with a body of Content-Length bytes (the server may keep the socket open).
    let refusal: { status: number; head: string; body: Buffer[]; length: number } | undefined;
    const refusalDone = (closed: boolean) => {
      const r = refusal!;
      if (this.refused) return;
      const body = Buffer.concat(r.body);
      if (!closed && (r.length < 0 || body.length < r.length)) return;
      this.refused = { status: r.status, headers: r.head, body: body.toString('utf8') };
      failed(new Error(`upgrade refused: ${r.status}`));
      this.socket.destroy();
    };
    this.socket = openRaw(port, wsUpgradeRequest(port, path, options.headers), 101, {
      onOpen: (rest) => {
        opened();
        if (rest.length) parser.push(rest);
      },
      onRefused: (status, head, rest) => {
        refusal = { status, head, body: [Buffer.from(rest)], length: Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? -1) };
        refusalDone(false);
      },
      onBody: (chunk) => {
        if (!refusal) return parser.push(chunk);
        refusal.body.push(Buffer.from(chunk));
        refusalDone(false);
      },
      onEnd: () => {
        this.closed = true;
        if (refusal) refusalDone(true);
        else failed(new Error('closed before the upgrade'));
      },
    });
    this.ended = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
  }

  #text(text: string): void {
    this.count++;
    if (this.first === undefined) this.first = text;
    if (this.#keep) this.messages.push(text);
    this.onText?.(text);
    if (this.#waiters.length > 0) this.#waiters = this.#waiters.filter((w) => (w.done(text) ? (w.resolve(), false) : true));
  }

  /** Resolves once `n` text messages have arrived (bounded by the caller). */
  whenCount(n: number): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ done: () => this.count >= n, resolve }));
  }

  /**
   * How waiting for a text containing `needle` ends: with it, or with the socket closed — told apart when it closed
   * right after its upgrade, before any frame or close frame (uWebSockets.js 20.30's early close, see
   * docs/ARCHITECTURE.md "Known issues", which a real client survives by reconnecting).
   */
  textOrClose(needle: string): Promise<'text' | 'closed after the upgrade, no frame' | 'closed'> {
    const closed = (async () => {
      const upgraded = await this.opened.then(() => true, () => false);
      await this.ended;
      return upgraded && this.count === 0 && this.closeCode === undefined ? ('closed after the upgrade, no frame' as const) : ('closed' as const);
    })();
    return Promise.race([this.whenText(needle).then(() => 'text' as const), closed]);
  }

  /** Resolves once a text message containing `needle` has arrived (kept messages are searched too). */
  whenText(needle: string): Promise<void> {
    if (this.messages.some((m) => m.includes(needle))) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ done: (text) => text.includes(needle), resolve }));
  }

  /** Writes one frame: masked unless told otherwise, FIN unless told otherwise, RSV bits as given. */
  frame(opcode: number, payload: Buffer, options: FrameOptions = {}): void {
    if (this.socket.destroyed) return;
    this.socket.write(encodeFrame(opcode, payload, options));
  }

  text(value: string | object): void {
    this.frame(OPCODES.text, Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));
  }

  /** An abrupt drop (RST, no close frame, no TIME_WAIT): what a lost network looks like to the server. */
  drop(): void {
    if (!this.socket.destroyed) this.socket.resetAndDestroy();
    this.closed = true;
  }
}

/**
 * A raw WebSocket client that waits for a text containing `needle` as a real client would under uWebSockets.js 20.30's
 * early close (docs/ARCHITECTURE.md, "Known issues"): closed right after its upgrade, before any frame, it reconnects
 * once, and `onEarlyClose` counts it. Resolves with the client it ended with and how that wait ended.
 */
export async function rawWsUntil(
  port: number, path: string, needle: string, onEarlyClose: () => void,
): Promise<{ ws: RawWs; outcome: 'text' | 'closed after the upgrade, no frame' | 'closed' }> {
  let ws = new RawWs(port, path, { keep: false });
  let outcome = await ws.textOrClose(needle);
  if (outcome === 'closed after the upgrade, no frame') {
    onEarlyClose();
    ws = new RawWs(port, path, { keep: false });
    outcome = await ws.textOrClose(needle);
  }
  return { ws, outcome };
}
