// Node's WebSocket and EventSource for connect(), kept out of index.ts so the browser bundle never imports them.
import WebSocket from 'ws';
import { EventSource } from 'eventsource';
import type { EventSourceConstructor } from './sse-transport.js';
import type { WebSocketConstructor } from './ws-transport.js';

/** `ws` and `eventsource@4`, typed as connect() takes them: `connect({ ...nodeTransports(), transport, url })`. */
export function nodeTransports(): { WebSocket: WebSocketConstructor; EventSource: EventSourceConstructor } {
  return {
    WebSocket,
    EventSource,
  };
}
