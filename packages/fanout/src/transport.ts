// The small interface a gateway implements to carry bytes: how a message is framed, how a topic is reached, one sink.
import type { ServerMessage } from '@dish-live/protocol';

export type CloseReason = 'slow' | 'restart' | 'token_expired';

/** One client connection as the transport holds it. */
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

/** Knows sinks and topics only: who gets what, and when, is the hub's business. */
export interface Transport<S extends Sink = Sink> {
  readonly name: string;
  /** One message as a frame of this transport; `json` is the message's JSON and the only thing a WS frame needs. */
  encode(message: ServerMessage, json: string): string;
  /** A sink became / stopped being a full-rate member of a topic (WS: subscribe / unsubscribe it). */
  join(sink: S, topic: string): void;
  leave(sink: S, topic: string): void;
  /**
   * This turn's frames of a topic, in order, to every full-rate member (`sinks`, for transports without topics of
   * their own): the only per-client work is the write.
   */
  publish(topic: string, sinks: readonly S[], frames: readonly string[]): void;
}
