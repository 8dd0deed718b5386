// Choosing the transport connect() was asked for, with its constructors resolved once, so a missing one fails at connect().
import type { ConnectOptions } from './client-api.js';
import { openPoll, type FetchLike } from './poll-transport.js';
import { streamUrl } from './restaurant-route.js';
import { openEventSource, type EventSourceConstructor } from './sse-transport.js';
import { resolveUrl, type TransportConnection, type TransportParams, type TransportSink } from './transport.js';
import { openWebSocket, type WebSocketConstructor } from './ws-transport.js';

export type Opener = (params: TransportParams, sink: TransportSink) => TransportConnection;

/** `restaurant`: the checked id, or undefined for the routes without one. */
export function transportOpener(options: ConnectOptions, restaurant: string | undefined): Opener {
  const { transport } = options;
  switch (transport) {
    case 'ws': {
      const url = streamUrl(options.url, restaurant);
      const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
      if (!WebSocket) throw new Error('no WebSocket here: pass options.WebSocket (in Node: nodeTransports().WebSocket)');
      const getToken = options.getToken;
      return (params, sink) => openWebSocket({ url, WebSocket, ...(getToken ? { getToken } : {}) }, params, sink);
    }
    case 'sse': {
      const url = streamUrl(options.url, restaurant);
      const EventSource = options.EventSource ?? (globalThis as { EventSource?: EventSourceConstructor }).EventSource;
      if (!EventSource) throw new Error('no EventSource here: pass options.EventSource (in Node: nodeTransports().EventSource)');
      const getToken = options.getToken;
      const fetch = maybeFetch(options);
      return (params, sink) => openEventSource({ url, EventSource, ...(getToken ? { getToken } : {}), ...(fetch ? { fetch } : {}) }, params, sink);
    }
    case 'poll': {
      const fetch = requireFetch(options);
      const intervalMs = options.intervalMs ?? 1000;
      const { url } = options;
      return (params, sink) => openPoll({ url, intervalMs, fetch, ...(restaurant !== undefined ? { restaurant } : {}) }, params, sink);
    }
    default:
      throw new Error(`unknown transport ${JSON.stringify(transport)}`);
  }
}

export function requireFetch(options: ConnectOptions): FetchLike {
  const fetch = maybeFetch(options);
  if (!fetch) throw new Error('no fetch here: pass options.fetch');
  return fetch;
}

function maybeFetch(options: ConnectOptions): FetchLike | undefined {
  if (options.fetch) {
    // Detached so a browser's fetch, passed as is, is not called with the options object as `this`.
    const { fetch } = options;
    return (input, init) => fetch(input, init);
  }
  const fetch = (globalThis as { fetch?: FetchLike }).fetch;
  return fetch ? (input, init) => fetch.call(globalThis, input, init) : undefined;
}

/** Base URL of the dish service for chat over HTTP: the option, else the poll URL, else the stream URL's origin. */
export function apiBase(options: ConnectOptions): string {
  const { apiUrl, transport, url } = options;
  const base = apiUrl ?? (transport === 'poll' ? url : resolveUrl(url).origin);
  return resolveUrl(base).toString().replace(/\/+$/, '');
}
