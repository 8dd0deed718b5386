// Sharded subscriptions on a Redis Cluster: one subscriber connection per primary that owns a channel's slot (not one
// per restaurant), each channel moved to its slot's new owner after a failover or a slot migration, and told to catch
// up from the stream since it may have missed messages while it moved.
import type { Cluster, Redis } from 'ioredis';
import { ShardSubscriber, type ChannelListener, type Channels } from './shard-subscriber.js';

export interface ClusterChannelsOptions {
  /** A blocking connection to one node ("host:port"), named for operators. */
  connect(node: { host: string; port: number }): Redis;
  /** How often every channel's owner is compared with the cluster's slot map (no I/O: a map lookup per channel). */
  checkMs?: number;
}

interface Route {
  listener: ChannelListener;
  slot: number;
  /** The node whose connection holds the subscription; undefined while it is being (re)placed. */
  node: string | undefined;
  moving: boolean;
}

interface NodeSubscriber {
  redis: Redis;
  channels: ShardSubscriber;
}

export class ClusterChannels implements Channels {
  readonly #cluster: Cluster;
  readonly #o: ClusterChannelsOptions;
  readonly #routes = new Map<string, Route>();
  readonly #nodes = new Map<string, NodeSubscriber>();
  readonly #timer: NodeJS.Timeout;
  readonly #onRefresh = () => this.#check();
  #closed = false;

  constructor(cluster: Cluster, options: ClusterChannelsOptions) {
    this.#cluster = cluster;
    this.#o = options;
    cluster.on('refresh', this.#onRefresh);
    this.#timer = setInterval(() => this.#check(), options.checkMs ?? 1000);
    this.#timer.unref();
  }

  get live(): boolean {
    for (const route of this.#routes.values()) if (!route.node || !this.#nodes.get(route.node)?.channels.live) return false;
    return true;
  }

  get channelCount(): number {
    return this.#routes.size;
  }

  /** The subscriber connections open now: one per primary that owns a live channel. */
  get nodeCount(): number {
    return this.#nodes.size;
  }

  async listen(channel: string, listener: ChannelListener): Promise<void> {
    if (this.#routes.has(channel)) throw new Error(`${channel} already has a listener`);
    const slot = Number(await this.#cluster.cluster('KEYSLOT', channel));
    const route: Route = { listener, slot, node: undefined, moving: true };
    this.#routes.set(channel, route);
    try {
      await this.#place(channel, route);
    } catch (err) {
      this.#routes.delete(channel);
      throw err;
    } finally {
      route.moving = false;
    }
    if (this.#routes.get(channel) !== route) await this.#unlistenPlaced(channel, route);
  }

  async unlisten(channel: string): Promise<void> {
    const route = this.#routes.get(channel);
    if (!route) return;
    this.#routes.delete(channel);
    const node = route.node && this.#nodes.get(route.node);
    if (!node) return;
    await node.channels.unlisten(channel);
    this.#dropIfUnused(route.node!);
  }

  /** Closes every node connection. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#cluster.off('refresh', this.#onRefresh);
    const nodes = [...this.#nodes.values()];
    this.#nodes.clear();
    this.#routes.clear();
    await Promise.allSettled(nodes.map(({ redis, channels }) => (channels.close(), redis.quit())));
  }

  /** Subscribes the channel on the node that owns its slot now. */
  async #place(channel: string, route: Route): Promise<void> {
    const owner = this.#cluster.slots[route.slot]?.[0];
    if (!owner) throw new Error(`no node serves slot ${route.slot} of ${channel} yet`);
    const node = this.#node(owner);
    // A node that no longer owns the slot answers SSUBSCRIBE with MOVED, which ioredis reports as an event and never
    // as the command's answer: the event fails the placement, and the slot map is read again.
    await new Promise<void>((resolve, reject) => {
      const moved = () => reject(new Error(`${owner} no longer serves slot ${route.slot}`));
      node.redis.once('moved', moved);
      node.channels.listen(channel, route.listener).then(resolve, reject).finally(() => node.redis.off('moved', moved));
    }).catch((err: Error) => {
      node.channels.forget(channel);
      this.#dropIfUnused(owner);
      this.#cluster.refreshSlotsCache();
      throw err;
    });
    route.node = owner;
  }

  /** Every channel whose slot changed owner is moved there and told to catch up from the stream. */
  #check(): void {
    if (this.#closed) return;
    for (const [channel, route] of this.#routes) {
      if (route.moving) continue;
      const owner = this.#cluster.slots[route.slot]?.[0];
      if (!owner || owner === route.node) continue;
      void this.#move(channel, route);
    }
  }

  async #move(channel: string, route: Route): Promise<void> {
    route.moving = true;
    const old = route.node;
    route.node = undefined;
    route.listener.down();
    if (old) {
      const node = this.#nodes.get(old);
      // Not awaited: the old primary may be dead, and its connection would hold the command until it came back.
      node?.channels.unlisten(channel).catch(() => undefined);
      this.#dropIfUnused(old);
    }
    try {
      await this.#place(channel, route);
      // Still ours (not let go meanwhile): messages published while it moved are read from the stream.
      if (this.#routes.get(channel) === route) route.listener.ready();
      else await this.#unlistenPlaced(channel, route);
    } catch (err) {
      // The next check tries again, once the slot map names a reachable owner.
      route.listener.error(err as Error);
    } finally {
      route.moving = false;
    }
  }

  /** A channel let go while it was being moved: its new subscription goes too. */
  async #unlistenPlaced(channel: string, route: Route): Promise<void> {
    const node = route.node && this.#nodes.get(route.node);
    if (!node) return;
    await node.channels.unlisten(channel);
    this.#dropIfUnused(route.node!);
  }

  #node(key: string): NodeSubscriber {
    let node = this.#nodes.get(key);
    if (!node) {
      const colon = key.lastIndexOf(':');
      const redis = this.#o.connect({ host: key.slice(0, colon), port: Number(key.slice(colon + 1)) });
      node = { redis, channels: new ShardSubscriber(redis) };
      this.#nodes.set(key, node);
    }
    return node;
  }

  /** A node connection without channels is closed: a dead primary's is not retried for ever. */
  #dropIfUnused(key: string): void {
    const node = this.#nodes.get(key);
    if (!node || node.channels.channelCount > 0) return;
    this.#nodes.delete(key);
    node.channels.close();
    node.redis.disconnect();
  }
}
