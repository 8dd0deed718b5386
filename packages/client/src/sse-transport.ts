// The SSE transport: one EventSource per connection; its own reconnect is cut short so `since` (and `token`) are always ours.
import type { FetchLike } from './poll-transport.js';
import { httpOutcome, problemDetail, subscriptionUrl, utf8Length, type TransportConnection, type TransportEnd, type TransportParams, type TransportSink } from './transport.js';
import { EVENT_TYPES } from '@dish-live/protocol/wire';

/** The part of an EventSource (the browser's or the `eventsource` package's) this client uses. */
export interface EventSourceLike {
  readonly readyState: number;
  close(): void;
  addEventListener(type: string, listener: (event: { data?: unknown; code?: number; message?: string }) => void): void;
}
export type EventSourceConstructor = new (url: string) => EventSourceLike;

/** Every `event:` name the gateway sends; `message` covers a frame that names none. */
const MESSAGE_TYPES = ['snapshot', 'resumed', 'state', 'check', 'pong', 'message', ...EVENT_TYPES] as const;

export interface SseTransportOptions {
  url: string;
  EventSource: EventSourceConstructor;
  /**
   * Asked before every connect when present; sent as `token`. A token refused on connect (401) or ended at its expiry
   * (an `unauthorized` error message) is then retried with a new one.
   */
  getToken?: () => string | Promise<string>;
  /** Reads why a browser's EventSource failed before it opened (it does not say); without it such a failure is retried. */
  fetch?: FetchLike;
}

const CLOSED = 2;


/** The gateway's word that the token is gone: at its expiry it sends this, then ends the stream. */
function isTokenRefusal(message: unknown): message is { message?: unknown } {
  const m = message as { type?: unknown; code?: unknown } | null;
  return typeof m === 'object' && m !== null && m.type === 'error' && m.code === 'unauthorized';
}

export function openEventSource(options: SseTransportOptions, params: TransportParams, sink: TransportSink): TransportConnection {
  let source: EventSourceLike | undefined;
  let closed = false;
  const probe = new AbortController();
  const renewable = options.getToken !== undefined;
  const finish = (outcome: TransportEnd) => {
    if (closed) return;
    closed = true;
    const current = source;
    current?.close();
    // Inside an 'error' dispatch the `eventsource` package arms its own reconnect timer only after the listeners ran;
    // a second close() once they have clears it, so no stray timer outlives the connection.
    queueMicrotask(() => current?.close());
    sink.end(outcome);
  };
  const end = (retry: boolean, reason: string) => finish({ retry, reason });

  /** One plain GET of the stream's URL: its status, and the problem+json `detail`, say why the EventSource failed. */
  const readRefusal = (fetch: FetchLike, url: string) => {
    fetch(url, { signal: probe.signal, headers: { accept: 'application/problem+json, text/event-stream' } }).then(
      async (res) => {
        if (res.ok) {
          // A stream this time: whatever failed was passing; drop it and reconnect as usual.
          probe.abort();
          return end(true, 'the event stream failed');
        }
        finish(httpOutcome(res.status, 'the SSE endpoint', problemDetail(await res.text().catch(() => ''))));
      },
      () => end(true, 'the event stream failed'),
    );
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
    const url = subscriptionUrl(options.url, 'sse', params.cursor(), params, token !== undefined ? { token } : {});
    const es = (source = new options.EventSource(url));
    let opened = false;
    es.addEventListener('open', () => {
      opened = true;
    });
    for (const type of MESSAGE_TYPES) es.addEventListener(type, onMessage);
    es.addEventListener('error', (event) => {
      // The gateway's own `error` messages arrive under the same name as connection errors; only they carry data.
      if (typeof event.data === 'string') return onMessage(event);
      // The `eventsource` package names the status; a browser's EventSource never does.
      if (typeof event.code === 'number') return finish(httpOutcome(event.code, 'the SSE endpoint'));
      // Closed before it ever opened: the server answered something other than a stream (a network failure leaves a
      // browser's EventSource connecting instead). Which answer decides between a refusal and a retry.
      if (!opened && es.readyState === CLOSED && options.fetch) return readRefusal(options.fetch, url);
      end(true, 'the event stream ended or failed');
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
      probe.abort();
      source?.close();
    },
  };
}
