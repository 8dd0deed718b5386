// Server-Sent Events as a fanout Transport: the protocol's SSE frames; a group is reached by one shared chunk per socket.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { encodeSseFrame, encodeSseMessage } from '@dish-live/protocol';
import type { CloseReason, Connection, Sink, Transport } from '@dish-live/fanout';

export const jitter = (min: number, max: number) => min + Math.floor(Math.random() * (Math.max(max, min) - min + 1));

const TOKEN_EXPIRED_FRAME = encodeSseMessage({ type: 'error', code: 'unauthorized', message: 'token expired: reconnect with a new token' });

export class SseSink implements Sink {
  ended = false;
  /** Its connection in the hub, once connected. */
  conn: Connection<SseSink> | undefined;
  /**
   * The socket group publishes go to as ready-made chunks (HTTP/1.1, `Transfer-Encoding: chunked` set by the app);
   * undefined for HTTP/1.0, whose body has no chunks, and where every write goes through `res`.
   */
  readonly #socket: Socket | undefined;

  constructor(
    readonly res: ServerResponse,
    private readonly restartRetryMs: () => number,
    chunked: boolean,
    /** Gives the client's connection slot back (the gate's). */
    readonly releaseSlot: () => void,
  ) {
    this.#socket = chunked ? (res.socket ?? undefined) : undefined;
  }

  /** Includes the socket's own buffer, so bytes written past `res` count too. */
  buffered(): number {
    return this.res.writableLength;
  }

  /**
   * The one thing a full-rate client costs per flush: the group's bytes, already framed as one HTTP chunk and shared
   * by every member, straight to the socket (no per-client encoding or chunk framing in node's http layer).
   */
  writeChunk(chunk: Buffer, payload: string): void {
    const socket = this.#socket;
    if (!socket) this.res.write(payload);
    else if (!socket.destroyed) socket.write(chunk);
  }

  send(frames: readonly string[]): void {
    this.res.write(frames.length === 1 ? frames[0]! : frames.join(''));
  }

  close(reason: CloseReason): void {
    if (this.ended) return;
    this.ended = true;
    // A slow client is let go at once: end() would wait for its hard-limit backlog to drain to a peer that may be dead
    // (the socket has no timeout), holding the bytes and its connection slot. Its EventSource retries as usual.
    if (reason === 'slow') {
      this.res.destroy();
      return;
    }
    // A restart asks for a quick, spread-out reconnect.
    if (reason === 'restart') this.res.write(encodeSseFrame({ retry: this.restartRetryMs() }));
    // The client must come back with a new token: say why before the stream ends.
    if (reason === 'token_expired') this.res.write(TOKEN_EXPIRED_FRAME);
    this.res.end();
  }
}

export const sseTransport: Transport<SseSink> = {
  name: 'sse',
  encode: encodeSseMessage,
  join() {},
  leave() {},
  publish(_topic: string, sinks: readonly SseSink[], frames: readonly string[]): void {
    const payload = frames.length === 1 ? frames[0]! : frames.join('');
    const chunk = httpChunk(payload);
    for (let i = 0; i < sinks.length; i++) sinks[i]!.writeChunk(chunk, payload);
  },
};

/** `payload` as one HTTP/1.1 chunk: its size in hex, CRLF, the bytes, CRLF. */
export function httpChunk(payload: string): Buffer {
  const body = Buffer.from(payload);
  const head = Buffer.from(`${body.length.toString(16)}\r\n`);
  return Buffer.concat([head, body, CRLF], head.length + body.length + 2);
}

const CRLF = Buffer.from('\r\n');
