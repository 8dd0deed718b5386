// The SSE transport: one EventSource per connection; its own reconnect is cut short so `since` (and `token`) are always ours.
import { EVENT_TYPES } from '@dish-live/protocol';
import { subscriptionUrl, utf8Length, type TransportConnection, type TransportParams, type TransportSink } from './transport.js';

/** The part of an EventSource (the browser's or the `eventsource` package's) this client uses. */
export interface EventSourceLike {
  close(): void;
  addEventListener(type: string, listener: (event: { data?: unknown; code?: number; message?: string }) => void): void;
}
export type EventSourceConstructor = new (url: string) => EventSourceLike;

/** Every `event:` name the gateway sends; `message` covers a frame that names none. */
const MESSAGE_TYPES = ['snapshot', 'resumed', 'state', 'pong', 'message', ...EVENT_TYPES] as const;

export interface SseTransportOptions {
  url: string;
  EventSource: EventSourceConstructor;
  /**
   * Asked before every connect when present; sent as `token`. A token refused on connect (401) or ended at its expiry
   * (an `unauthorized` error message) is then retried with a new one.
   */
  getToken?: () => string | Promise<string>;
}

/** The gateway's word that the token is gone: at its expiry it sends this, then ends the stream. */
function isTokenRefusal(message: unknown): message is { message?: unknown } {
  const m = message as { type?: unknown; code?: unknown } | null;
  return typeof m === 'object' && m !== null && m.type === 'error' && m.code === 'unauthorized';
}

export function openEventSource(options: SseTransportOptions, params: TransportParams, sink: TransportSink): TransportConnection {
  let source: EventSourceLike | undefined;
  let closed = false;
  const renewable = options.getToken !== undefined;
  const end = (retry: boolean, reason: string) => {
    if (closed) return;
    closed = true;
    const current = source;
    current?.close();
    // Inside an 'error' dispatch the `eventsource` package arms its own reconnect timer only after the listeners ran;
    // a second close() once they have clears it, so no stray timer outlives the connection.
    queueMicrotask(() => current?.close());
    sink.end({ retry, reason });
  };
  const onMessage = (event: { data?: unknown }) => {
    if (closed || typeof event.data !== 'string') return;
    sink.traffic(utf8Length(event.data));
    let message: unknown;
    try {
      message = JSON.parse(event.data);
    } catch {
      return end(true, 'the server sent data that is not JSON');
    }
    sink.message(message);
    if (isTokenRefusal(message)) {
      const why = typeof message.message === 'string' ? message.message : 'token refused (unauthorized)';
      end(renewable, renewable ? why : `${why}; no getToken to renew it`);
    }
  };

  const start = (token: string | undefined) => {
    if (closed) return;
    const es = (source = new options.EventSource(subscriptionUrl(options.url, 'sse', params.cursor(), params, token !== undefined ? { token } : {})));
    for (const type of MESSAGE_TYPES) es.addEventListener(type, onMessage);
    es.addEventListener('error', (event) => {
      // The gateway's own `error` messages arrive under the same name as connection errors; only they carry data.
      if (typeof event.data === 'string') return onMessage(event);
      const code = typeof event.code === 'number' ? event.code : undefined;
      // An expired or invalid token: a new one from getToken may be let in.
      if (code === 401 && renewable) return end(true, 'the SSE endpoint answered 401');
      // A 4xx other than timeout and rate limit will answer the same next time: stop rather than retry forever.
      if (code !== undefined && code >= 400 && code < 500 && code !== 408 && code !== 429) {
        return end(false, `the SSE endpoint answered ${code}`);
      }
      end(true, code !== undefined ? `the SSE endpoint answered ${code}` : 'the event stream ended or failed');
    });
  };

  if (options.getToken) {
    Promise.resolve()
      .then(options.getToken)
      .then(start, (err: unknown) => end(true, `getToken failed: ${err instanceof Error ? err.message : String(err)}`));
  } else start(undefined);

  return {
    close() {
      if (closed) return;
      closed = true;
      source?.close();
    },
  };
}
