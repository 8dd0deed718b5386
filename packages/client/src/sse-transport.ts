// The SSE transport: one EventSource per connection; its own reconnect is cut short so `since` is always our last id.
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
}

export function openEventSource(options: SseTransportOptions, params: TransportParams, sink: TransportSink): TransportConnection {
  let closed = false;
  const source = new options.EventSource(subscriptionUrl(options.url, 'sse', params.cursor(), params));
  const end = (retry: boolean, reason: string) => {
    if (closed) return;
    closed = true;
    source.close();
    // Inside an 'error' dispatch the `eventsource` package arms its own reconnect timer only after the listeners ran;
    // a second close() once they have clears it, so no stray timer outlives the connection.
    queueMicrotask(() => source.close());
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
  };
  for (const type of MESSAGE_TYPES) source.addEventListener(type, onMessage);
  source.addEventListener('error', (event) => {
    // The gateway's own `error` messages arrive under the same name as connection errors; only they carry data.
    if (typeof event.data === 'string') return onMessage(event);
    const code = typeof event.code === 'number' ? event.code : undefined;
    // A 4xx other than timeout and rate limit will answer the same next time: stop rather than retry forever.
    if (code !== undefined && code >= 400 && code < 500 && code !== 408 && code !== 429) {
      return end(false, `the SSE endpoint answered ${code}`);
    }
    end(true, code !== undefined ? `the SSE endpoint answered ${code}` : 'the event stream ended or failed');
  });
  return {
    close() {
      if (closed) return;
      closed = true;
      source.close();
    },
  };
}
