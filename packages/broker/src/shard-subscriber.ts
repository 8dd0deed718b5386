// One subscriber connection for every restaurant a process follows: sharded channels (SSUBSCRIBE) subscribed and
// released one by one, each message handed to its channel's listener by a map lookup, whatever the number of channels.
import { once } from 'node:events';
import type { Redis } from 'ioredis';

export interface ChannelListener {
  /** A message published on the channel. */
  message(json: string): void;
  /** The connection is subscribed again after being down: what was published meanwhile must be read from the log. */
  ready(): void;
  /** The connection went down: messages may be missed until `ready`. */
  down(): void;
  error(err: Error): void;
}

/** A process's sharded subscriptions: one connection (standalone Redis), or one per primary (a Redis Cluster). */
export interface Channels {
  /** True while every channel is subscribed. */
  readonly live: boolean;
  readonly channelCount: number;
  /** Subscribes `channel`; resolves once Redis confirmed it, so nothing published after that is missed. */
  listen(channel: string, listener: ChannelListener): Promise<void>;
  /** Releases `channel`: its listener hears nothing more. */
  unlisten(channel: string): Promise<void>;
}

export class ShardSubscriber implements Channels {
  readonly #redis: Redis;
  readonly #listeners = new Map<string, ChannelListener>();
  #live: boolean;

  readonly #handlers = {
    smessage: (channel: string, json: string) => this.#listeners.get(channel)?.message(json),
    // ioredis subscribes every channel again by itself after a reconnect, before it says ready.
    ready: () => {
      this.#live = true;
      for (const listener of this.#listeners.values()) listener.ready();
    },
    close: () => {
      if (!this.#live) return;
      this.#live = false;
      for (const listener of this.#listeners.values()) listener.down();
    },
    error: (err: Error) => {
      for (const listener of this.#listeners.values()) listener.error(err);
    },
  };

  /** `redis`: a connection of its own, which can do nothing else once it subscribes. */
  constructor(redis: Redis) {
    this.#redis = redis;
    this.#live = redis.status === 'ready';
    for (const [event, handler] of Object.entries(this.#handlers)) redis.on(event, handler);
  }

  /** True while the connection is up (and so every channel subscribed). */
  get live(): boolean {
    return this.#live;
  }

  get channelCount(): number {
    return this.#listeners.size;
  }

  /** Subscribes `channel`; resolves once Redis confirmed it, so nothing published after that is missed. */
  async listen(channel: string, listener: ChannelListener): Promise<void> {
    if (this.#listeners.has(channel)) throw new Error(`${channel} already has a listener`);
    this.#listeners.set(channel, listener);
    try {
      // A subscribe sent while the connection is still in its handshake (CLIENT SETNAME…) can be lost for good.
      if (this.#redis.status !== 'ready') await once(this.#redis, 'ready');
      this.#live = true;
      await this.#redis.ssubscribe(channel);
    } catch (err) {
      this.#listeners.delete(channel);
      throw err;
    }
  }

  /** Releases `channel`: its listener hears nothing more. */
  async unlisten(channel: string): Promise<void> {
    if (!this.#listeners.delete(channel)) return;
    // Sent even while the connection is down: ioredis queues it after its own re-subscription, so a restaurant let go
    // meanwhile does not come back as a subscription nobody listens to.
    await this.#redis.sunsubscribe(channel).catch(() => undefined);
  }

  /**
   * Drops `channel`'s listener without telling Redis: its node no longer serves the channel's slot (the cluster moved
   * it) or is gone, and the connection is about to be closed or will never hear of it again.
   */
  forget(channel: string): void {
    this.#listeners.delete(channel);
  }

  /** Stops listening on the connection (the owner closes it). */
  close(): void {
    for (const [event, handler] of Object.entries(this.#handlers)) this.#redis.off(event, handler);
    this.#listeners.clear();
  }
}
