// WebSocket client → server messages (hello, ping, chat) handled against the hub, errors answered as `error` messages.
import { decodeClientMessage, normalizeCategories, type ChatInput, type SubscriptionOptions } from '@dish-live/protocol';
import type { Connection } from './connection.js';
import type { Hub } from './hub.js';
import type { Logger } from './logger.js';
import { TokenBucket } from './rate-limit.js';

export interface ClientMessageOptions {
  hub: Hub;
  appendChat(chat: ChatInput): Promise<unknown>;
  logger: Logger;
  /** Chat messages per second per connection, and the burst allowed. */
  chatRate: number;
  chatBurst: number;
}

export interface ClientSession {
  conn: Connection;
  chatBucket: TokenBucket;
}

export function createClientMessageHandler(o: ClientMessageOptions) {
  return {
    session(conn: Connection): ClientSession {
      return { conn, chatBucket: new TokenBucket(o.chatRate, o.chatBurst) };
    },
    handle(session: ClientSession, frame: ArrayBuffer | string, isBinary: boolean): void {
      const { conn } = session;
      const decoded = decodeClientMessage(typeof frame === 'string' ? frame : new Uint8Array(frame), isBinary);
      if (!decoded.ok) return o.hub.send(conn, decoded.error);
      const message = decoded.message;
      switch (message.op) {
        case 'ping':
          return o.hub.send(conn, { type: 'pong', ...(message.t !== undefined ? { t: message.t } : {}), serverTime: Date.now() });
        case 'hello': {
          const options: SubscriptionOptions = {};
          if (message.since !== undefined && message.since !== '') options.since = message.since;
          if (message.maxRate !== undefined) options.maxRate = message.maxRate;
          if (message.categories !== undefined) {
            const categories = normalizeCategories(message.categories);
            if (!categories.ok) return o.hub.send(conn, { type: 'error', code: 'bad_message', message: categories.message });
            if (categories.categories) options.categories = categories.categories;
          }
          return o.hub.subscribe(conn, options);
        }
        case 'chat': {
          if (!session.chatBucket.take()) {
            return o.hub.send(conn, { type: 'error', code: 'rate_limited', message: `at most ${o.chatRate} chat messages per second` });
          }
          // The chat comes back to every client, this one included, through the feed like any event.
          o.appendChat({ author: message.author, text: message.text }).catch((err: Error) => {
            o.logger.warn({ err: err.message }, 'chat append failed');
            o.hub.send(conn, { type: 'error', code: 'bad_message', message: 'chat could not be stored; try again' });
          });
          return;
        }
      }
    },
  };
}

export type ClientMessageHandler = ReturnType<typeof createClientMessageHandler>;
