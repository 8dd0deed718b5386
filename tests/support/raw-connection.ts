// A raw TCP connection speaking just enough HTTP/1.1 for the raw WebSocket and SSE clients: the request out, the
// response head in, then body bytes as they come.
import { connect, type Socket } from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');

/** Receive time of the chunk being parsed (ms since the epoch): read once per chunk, not once per message. */
export const clock = { now: 0 };

export interface RawConnectionHandlers {
  /** The server answered `expectStatus`; `rest` holds body bytes that came with the header block `head`. */
  onOpen: (rest: Buffer, head: string) => void;
  /**
   * The server answered another status. Without this handler the connection is destroyed at once; with it, the body
   * of the refusal is handed on as well (`rest`, then onBody).
   */
  onRefused?: (status: number, head: string, rest: Buffer) => void;
  /** Body bytes: valid only during the call (reads land in one shared buffer), copy what is kept. */
  onBody: (chunk: Buffer) => void;
  /** Once, with the socket's error message or 'closed'. */
  onEnd: (reason: string) => void;
}

/**
 * Every socket of the process reads into this one buffer (`onread`): no allocation and no garbage per read. A read is
 * parsed before the next one can happen, so parsers only copy what they keep past the call.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/** Opens a TCP connection to 127.0.0.1, writes `request`, reads the response head, then hands body bytes on. */
export function openRaw(port: number, request: string, expectStatus: number, handlers: RawConnectionHandlers): Socket {
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
    // "HTTP/1.x NNN": the status is at the same place in either version.
    const status = Number(head.toString('latin1', 9, 12));
    const rest = head.subarray(i + 4);
    const headText = head.toString('latin1', 0, i);
    head = undefined;
    if (status === expectStatus) handlers.onOpen(rest, headText);
    else if (handlers.onRefused) handlers.onRefused(status, headText, rest);
    else socket.destroy(new Error(`HTTP ${status} instead of ${expectStatus}`));
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

/** Request header lines for `headers`, each ending in CRLF. */
export function headerLines(headers: Record<string, string>): string {
  let lines = '';
  for (const [name, value] of Object.entries(headers)) lines += `${name}: ${value}\r\n`;
  return lines;
}
