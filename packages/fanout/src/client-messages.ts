// WebSocket client → server messages (hello, ping, chat) handled against the hub, errors answered as `error` messages;
// chat is written to the connection's own restaurant.
import { decodeClientMessage, normalizeCategories, type ChatInput, type SubscriptionOptions } from '@dish-live/protocol';
import type { RateLimit, RateLimiter } from '@dish-live/broker';
import type { Connection } from './connection.js';
import type { Hub } from './hub.js';
import { grantedOptions, restaurantAllowed, type Grant, type Logger, type SubscriptionAuth } from '@dish-live/server';
import type { Sink } from './transport.js';

export interface ClientMessageOptions<S extends Sink> {
  hub: Hub<S>;
  logger: Logger;
  /**
   * Chat budget kept in Redis per client address, so every replica (and every connection of one address) shares
   * it: `burst` at once, then `perSecond`.
   */
  chatLimiter: RateLimiter;
  chatRate: RateLimit;
  /** Chat needs a write token (CHAT_REQUIRES_TOKEN), which only the dish service checks: then the socket refuses it. */
  chatRequiresToken: boolean;
  auth: SubscriptionAuth;
}

/** What the handler needs of a client: the transport keeps it on the socket's own per-client object. */
export interface ClientSession<S extends Sink = Sink> {
  conn: Connection<S>;
  /** The client's address (behind a trusted proxy, the one it forwarded). */
  ip: string;
  /** What the connection's token allows; a hello with a new token replaces it. */
  grant: Grant;
  /** Hellos seen; a re-authentication answers only if no hello came after it. */
  hellos: number;
}

export function createClientMessageHandler<S extends Sink>(o: ClientMessageOptions<S>) {
  const chatRefused = `at most ${o.chatRate.burst} chat messages at once, then ${o.chatRate.perSecond} per second, per client address`;

  const chat = async (session: ClientSession<S>, input: ChatInput): Promise<void> => {
    const { conn } = session;
    if (o.chatRequiresToken) {
      return o.hub.send(conn, { type: 'error', code: 'unauthorized', message: 'chat needs a write token: POST it to /api/chat with one' });
    }
    let decision;
    try {
      decision = await o.chatLimiter.take(`chat:ip:${session.ip}`, o.chatRate);
    } catch (err) {
      o.logger.warn({ err: (err as Error).message }, 'chat rate limit unavailable');
      return o.hub.send(conn, { type: 'error', code: 'bad_message', message: 'chat could not be stored; try again' });
    }
    if (!decision.allowed) {
      return o.hub.send(conn, { type: 'error', code: 'rate_limited', message: `${chatRefused}; retry in ${decision.retryAfterMs} ms` });
    }
    // The chat comes back to every client, this one included, through the feed like any event.
    try {
      await o.hub.logOf(conn).appendChat(input);
    } catch (err) {
      o.logger.warn({ err: (err as Error).message }, 'chat append failed');
      o.hub.send(conn, { type: 'error', code: 'bad_message', message: 'chat could not be stored; try again' });
    }
  };

  const reauthenticate = async (session: ClientSession<S>, token: string, options: SubscriptionOptions, hello: number): Promise<void> => {
    const result = await o.auth.verify(token);
    // A later hello (or the end of the socket) overtook this one: its answer stands.
    if (session.conn.closed || session.hellos !== hello) return;
    if (!result.ok) {
      return o.hub.send(session.conn, { type: 'error', code: 'unauthorized', message: `${result.message}; the subscription is unchanged` });
    }
    // A connection reads one restaurant for its whole life: a token that does not grant it changes nothing.
    const restaurant = session.conn.restaurant.id;
    if (!restaurantAllowed(result.grant, restaurant)) {
      return o.hub.send(session.conn, {
        type: 'error', code: 'unauthorized', message: `this token does not read restaurant ${restaurant}; the subscription is unchanged`,
      });
    }
    session.grant = result.grant;
    o.hub.expireAt(session.conn, result.grant.expiresAt);
    o.hub.subscribe(session.conn, grantedOptions(options, result.grant));
  };

  return {
    handle(session: ClientSession<S>, frame: ArrayBuffer | string, isBinary: boolean): void {
      const { conn } = session;
      const decoded = decodeClientMessage(typeof frame === 'string' ? frame : new Uint8Array(frame), isBinary);
      if (!decoded.ok) return o.hub.send(conn, decoded.error);
      const message = decoded.message;
      switch (message.op) {
        case 'ping':
          return o.hub.send(conn, { type: 'pong', ...(message.t !== undefined ? { t: message.t } : {}), serverTime: Date.now() });
        case 'hello': {
          const hello = ++session.hellos;
          const options: SubscriptionOptions = {};
          if (message.since !== undefined && message.since !== '') options.since = message.since;
          if (message.maxRate !== undefined) options.maxRate = message.maxRate;
          if (message.categories !== undefined) {
            const categories = normalizeCategories(message.categories);
            if (!categories.ok) return o.hub.send(conn, { type: 'error', code: 'bad_message', message: categories.message });
            if (categories.categories) options.categories = categories.categories;
          }
          if (message.token !== undefined && message.token !== '') {
            // Verification is asynchronous: until it answers, the connection keeps its current subscription.
            void reauthenticate(session, message.token, options, hello);
            return;
          }
          return o.hub.subscribe(conn, grantedOptions(options, session.grant));
        }
        case 'chat':
          void chat(session, { author: message.author, text: message.text });
          return;
      }
    },
  };
}

export type ClientMessageHandler = ReturnType<typeof createClientMessageHandler>;
