// The WebSocket transport: one socket per connection, options in the query, close codes mapped to retry or stop.
import { CLOSE_CODES } from '@dish-live/protocol/wire';
import { subscriptionUrl, utf8Length, type TransportConnection, type TransportParams, type TransportSink } from './transport.js';

/** The part of a WebSocket (the browser's or the `ws` package's) this client uses. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

const OPEN = 1;
const decoder = new TextDecoder();

export interface WsTransportOptions {
  url: string;
  WebSocket: WebSocketConstructor;
  /** Asked before every connect when present; sent as `token`. A 4001 close is then retried with a new one. */
  getToken?: () => string | Promise<string>;
}

export function openWebSocket(options: WsTransportOptions, params: TransportParams, sink: TransportSink): TransportConnection {
  let socket: WebSocketLike | undefined;
  let closed = false;
  const end: TransportSink['end'] = (e) => {
    if (closed) return;
    closed = true;
    sink.end(e);
  };

  const start = (token: string | undefined) => {
    if (closed) return;
    const url = subscriptionUrl(options.url, 'ws', params.cursor(), params, token !== undefined ? { token } : {});
    const ws = (socket = new options.WebSocket(url));
    ws.binaryType = 'arraybuffer';
    ws.addEventListener('message', (event) => {
      if (closed) return;
      const text = typeof event.data === 'string' ? event.data : decoder.decode(event.data as ArrayBuffer);
      sink.traffic(utf8Length(text));
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        end({ retry: true, reason: 'the server sent a frame that is not JSON' });
        ws.close(1003, 'not JSON');
        return;
      }
      sink.message(message);
    });
    ws.addEventListener('close', (event) => end(closeOutcome(event.code, event.reason, options.getToken !== undefined)));
    // An 'error' is always followed by 'close', which carries the code; nothing to do here but keep it from being unhandled.
    ws.addEventListener('error', () => {});
  };

  if (options.getToken) {
    Promise.resolve()
      .then(options.getToken)
      .then(start, (err: unknown) => end({ retry: true, reason: `getToken failed: ${err instanceof Error ? err.message : String(err)}` }));
  } else start(undefined);

  return {
    close() {
      if (closed) return;
      closed = true;
      socket?.close(1000, 'client closed');
    },
    send(text: string) {
      if (closed || socket?.readyState !== OPEN) return false;
      socket.send(text);
      return true;
    },
  };
}

/**
 * What a close code means for the client. 1008 is a refusal (the gateway accepts the upgrade and closes with a reason
 * starting `unauthorized` or `forbidden`, which a browser could not read from an HTTP 401/403): retrying blindly would
 * only be refused again. The rest resume.
 */
export function closeOutcome(code: number, reason: string, canRefreshToken: boolean): { retry: boolean; reason: string; code: number; refused?: boolean } {
  const why = reason || describe(code);
  if (code === CLOSE_CODES.policy) return { retry: false, reason: why, code, refused: true };
  if (code === CLOSE_CODES.tokenExpired) return { retry: canRefreshToken, reason: canRefreshToken ? why : `${why}; no getToken to renew it`, code };
  return { retry: true, reason: why, code };
}

function describe(code: number): string {
  switch (code) {
    case CLOSE_CODES.policy:
      return 'refused by policy (1008)';
    case CLOSE_CODES.tooLarge:
      return 'frame too large (1009)';
    case CLOSE_CODES.restarting:
      return 'server restarting (1012)';
    case CLOSE_CODES.tokenExpired:
      return 'token expired (4001)';
    case CLOSE_CODES.slowConsumer:
      return 'too slow, disconnected (4008)';
    case 1006:
      return 'connection lost (1006)';
    default:
      return `closed (${code})`;
  }
}
