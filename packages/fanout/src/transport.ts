// The small interface a gateway implements to carry bytes: how a message is framed, how a group is reached, one connection's sink.
import type { ServerMessage } from '@dish-live/protocol';
import type { Connection } from './connection.js';
import type { Group } from './group.js';

export type CloseReason = 'slow' | 'restart' | 'token_expired';

/** One client connection as the hub sees it. */
export interface Sink {
  /** Bytes queued in user space for this client (uWS getBufferedAmount, node writableLength). */
  buffered(): number;
  /** Writes this connection's frames, in order, in as few writes as the transport allows. */
  send(frames: readonly string[]): void;
  /**
   * Ends the connection: `slow` past the hard limit (WS 4008), `restart` to make the client reconnect (WS 1012),
   * `token_expired` at the subscription token's `exp` (WS 4001; SSE an `unauthorized` error event, then the end).
   */
  close(reason: CloseReason): void;
}

export interface Transport {
  readonly name: string;
  /** One message as a frame of this transport; `json` is the message's JSON and the only thing a WS frame needs. */
  encode(message: ServerMessage, json: string): string;
  /** A connection became / stopped being a full-rate member of a group (WS: subscribe / unsubscribe the group's topic). */
  join(conn: Connection, group: Group): void;
  leave(conn: Connection, group: Group): void;
  /** This turn's frames of a group, in order, to every full-rate member: the only per-client work is the write. */
  publish(group: Group, frames: readonly string[]): void;
}
