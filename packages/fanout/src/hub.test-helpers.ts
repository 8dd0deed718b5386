// An in-memory transport and sink for hub tests: frames are kept as parsed messages, backpressure is set by hand.
import type { ServerMessage } from '@dish-live/protocol';
import type { Logger } from './logger.js';
import type { CloseReason, Sink, Transport } from './transport.js';

export class MemorySink implements Sink {
  readonly frames: string[] = [];
  bufferedBytes = 0;
  closedWith: CloseReason | undefined;

  buffered(): number {
    return this.bufferedBytes;
  }

  send(frames: readonly string[]): void {
    this.frames.push(...frames);
  }

  close(reason: CloseReason): void {
    this.closedWith = reason;
  }

  get messages(): ServerMessage[] {
    return this.frames.map((f) => JSON.parse(f) as ServerMessage);
  }
}

export class MemoryTransport implements Transport<MemorySink> {
  readonly name = 'memory';
  encodes = 0;
  publishes = 0;
  /** Frames per publish, in order: how the hub batched a group's events. */
  readonly batches: number[] = [];

  encode(_message: ServerMessage, json: string): string {
    this.encodes++;
    return json;
  }

  join(): void {}

  leave(): void {}

  publish(_topic: string, sinks: readonly MemorySink[], frames: readonly string[]): void {
    this.publishes++;
    this.batches.push(frames.length);
    for (const sink of sinks) sink.frames.push(...frames);
  }
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export async function until<T>(what: string, check: () => T | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
