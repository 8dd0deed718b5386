// WebSocket as a fanout Transport: a frame is the JSON text; a group is a uWS topic reached by one app.publish per frame.
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import { CLOSE_CODES, encodeWsMessage, type ServerMessage } from '@dish-live/protocol';
import type { ClientSession, CloseReason, Connection, Sink, Transport } from '@dish-live/fanout';
import type { Grant } from '@dish-live/server';

/**
 * One client: the sink the hub writes to and the session its messages are handled in, as one object, because every
 * idle socket holds one (a sink, a session and their links as three objects cost each socket twice the bytes).
 */
export class WsSink implements Sink, ClientSession<WsSink> {
  /** Set by the close handler: uWS forbids any call on a closed socket. */
  closed = false;
  /** The hub's connection, set as soon as the hub made it from this sink. */
  conn!: Connection<WsSink>;
  hellos = 0;

  constructor(
    readonly ws: WebSocket<unknown>,
    /** The client's address: its chat budget, and the connection slot given back by it. */
    readonly ip: string,
    public grant: Grant,
  ) {}

  buffered(): number {
    return this.closed ? 0 : this.ws.getBufferedAmount();
  }

  send(frames: readonly string[]): void {
    if (this.closed) return;
    if (frames.length === 1) this.ws.send(frames[0]!);
    else this.ws.cork(() => { for (const frame of frames) this.ws.send(frame); });
  }

  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    if (reason === 'slow') this.ws.end(CLOSE_CODES.slowConsumer, 'slow consumer: resume with your last id');
    else if (reason === 'token_expired') this.ws.end(CLOSE_CODES.tokenExpired, 'token expired: get a new one and reconnect');
    else this.ws.end(CLOSE_CODES.restarting, 'server restarting: reconnect');
  }
}

export class WsTransport implements Transport<WsSink> {
  readonly name = 'ws';

  constructor(private readonly app: TemplatedApp) {}

  encode(message: ServerMessage, json: string): string {
    return encodeWsMessage(message, json);
  }

  join(sink: WsSink, topic: string): void {
    if (!sink.closed) sink.ws.subscribe(topic);
  }

  leave(sink: WsSink, topic: string): void {
    if (sink.closed) return;
    // uWS holds this turn's publishes until the loop drains them and an unsubscribe discards what is held for the
    // socket; a ping drains them first (a send would too), so leaving a topic never loses an event.
    sink.ws.ping();
    sink.ws.unsubscribe(topic);
  }

  /** uWS reaches a topic's subscribers itself: the sinks are not needed. */
  publish(topic: string, _sinks: readonly WsSink[], frames: readonly string[]): void {
    for (const frame of frames) this.app.publish(topic, frame);
  }
}
