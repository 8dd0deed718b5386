// A minimal WebSocket client on a raw TCP socket: the handshake, an incremental frame parser and masked client frames.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface WsFrameHandlers {
  /** A complete text message in [start, end) of `buf`; valid only during the call. */
  onText: (buf: Buffer, start: number, end: number) => void;
  onPing: (payload: Buffer) => void;
  onClose: (code: number) => void;
}

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;

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
    if (opcode === OP_CLOSE) return this.handlers.onClose(end - start >= 2 ? buf.readUInt16BE(start) : 1005);
    if (opcode === OP_PING) this.handlers.onPing(Buffer.from(buf.subarray(start, end)));
  }
}

/** A masked client frame (payloads here are tiny: pongs, Socket.IO control packets). */
export function encodeClientFrame(opcode: number, payload: Buffer): Buffer {
  if (payload.length > 125) throw new RangeError('client frames here carry at most 125 bytes');
  const frame = Buffer.allocUnsafe(6 + payload.length);
  frame[0] = 0x80 | opcode;
  frame[1] = 0x80 | payload.length;
  const key = randomBytes(4);
  key.copy(frame, 2);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i]! ^ key[i & 3]!;
  return frame;
}

export const OPCODES = { text: OP_TEXT, close: OP_CLOSE, pong: 0xa } as const;

const HEADER_END = Buffer.from('\r\n\r\n');

/** Receive time of the chunk being parsed: read once per chunk, not once per message. */
export const clock = { now: 0 };

export interface RawClientHandlers {
  /** Called once the server accepted the request; `rest` holds body bytes that came with the header block `head`. */
  onOpen: (rest: Buffer, head: string) => void;
  onBody: (chunk: Buffer) => void;
  onEnd: (reason: string) => void;
}

/**
 * Every socket of the process reads into this one buffer (`onread`): no allocation and no garbage per read. A read is
 * parsed before the next one can happen, so parsers only copy what they keep past the call.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/**
 * Opens a TCP connection, writes `request`, waits for a response head with `expectStatus`, then hands body bytes on.
 * Shared by the WebSocket, Socket.IO and SSE clients.
 */
export function openRaw(port: number, request: string, expectStatus: number, handlers: RawClientHandlers): Socket {
  let head: Buffer | undefined = Buffer.alloc(0);
  const onChunk = (chunk: Buffer) => {
    clock.now = performance.timeOrigin + performance.now();
    if (head === undefined) return handlers.onBody(chunk);
    head = Buffer.concat([head, chunk]);
    const i = head.indexOf(HEADER_END);
    if (i < 0) {
      if (head.length > 16_384) socket.destroy(new Error('response head too large'));
      return;
    }
    const status = Number(head.toString('latin1', 9, 12));
    if (status !== expectStatus) {
      socket.destroy(new Error(`HTTP ${status} instead of ${expectStatus}`));
      return;
    }
    const rest = head.subarray(i + 4);
    const headText = head.toString('latin1', 0, i);
    head = undefined;
    handlers.onOpen(rest, headText);
  };
  const socket = connect({
    host: '127.0.0.1', port, noDelay: true,
    onread: {
      buffer: READ_BUFFER,
      // true: keep reading (false would pause the socket).
      callback: (n: number, buf: Uint8Array) => {
        onChunk((buf as Buffer).subarray(0, n));
        return true;
      },
    },
  });
  let ended = false;
  const end = (reason: string) => {
    if (ended) return;
    ended = true;
    handlers.onEnd(reason);
  };
  socket.once('connect', () => socket.write(request));
  socket.on('error', (err) => end(err.message));
  socket.on('close', () => end('closed'));
  return socket;
}

export function wsUpgradeRequest(port: number, path: string): string {
  const key = randomBytes(16).toString('base64');
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`
  );
}

export interface WsClientHandlers {
  onOpen: () => void;
  onText: (buf: Buffer, start: number, end: number) => void;
  onEnd: (reason: string) => void;
}

/** A WebSocket connection: answers pings, reports text messages and the end. */
export function openWs(port: number, path: string, handlers: WsClientHandlers): Socket {
  let socket: Socket | undefined = undefined;
  const parser = new WsFrameParser({
    onText: handlers.onText,
    onPing: (payload) => socket?.write(encodeClientFrame(OPCODES.pong, payload)),
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
