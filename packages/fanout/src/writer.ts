// The end of a turn: each connection's own frames, one publish per group, joins; coalesced under load.
import type { Connection } from './connection.js';
import type { Group } from './group.js';
import type { FanoutMetrics } from './metrics.js';
import type { Sink, Transport } from './transport.js';

export interface WriterOptions<S extends Sink> {
  transport: Transport<S>;
  metrics: FanoutMetrics;
  /**
   * Flushes at most once per this many ms while events keep coming (0: every event-loop turn). A flush after a quiet
   * spell goes out on the next turn, so this adds latency only under load, where it bounds the writes per client.
   */
  coalesceMs: number;
  /** What was written to and published to, for backpressure to measure. */
  afterFlush(written: readonly Connection<S>[], published: readonly Group<S>[]): void;
}

export class Writer<S extends Sink> {
  readonly #o: WriterOptions<S>;
  /** Catching-up connections that join their group's full-rate path once their chain meets the group's. */
  readonly #joinable = new Set<Connection<S>>();
  #dirtyConns: Connection<S>[] = [];
  #dirtyGroups: Group<S>[] = [];
  #scheduled = false;
  #flushTimer: NodeJS.Timeout | undefined;
  #lastFlushAt = -Infinity;

  constructor(options: WriterOptions<S>) {
    this.#o = options;
  }

  /** `bytes` is passed for a shared, cached frame; a frame made for this connection alone is measured here, once. */
  queue(conn: Connection<S>, frame: string, bytes = Buffer.byteLength(frame)): void {
    if (!conn.out) {
      conn.out = [];
      this.#dirtyConns.push(conn);
    }
    conn.out.push(frame);
    conn.outBytes += bytes;
    this.#schedule();
  }

  /**
   * One frame of this turn for every full-rate member of `group`: one serialization whatever their number. An event's
   * frame has its publish time (latency); a `check` has none.
   */
  batch(group: Group<S>, frame: string, ts?: number): void {
    group.batch.push(frame);
    if (ts !== undefined) group.batchTs.push(ts);
    if (group.batch.length === 1) this.#dirtyGroups.push(group);
    this.#schedule();
  }

  /** The connection joins its group at the end of a turn where its chain meets the group's. */
  joinWhenCaughtUp(conn: Connection<S>): void {
    this.#joinable.add(conn);
    this.#schedule();
  }

  dropJoin(conn: Connection<S>): void {
    this.#joinable.delete(conn);
  }

  /** Runs a flush that is due, now (frames still waiting must go out before a member leaves its group). */
  flushPending(): void {
    if (this.#scheduled) this.flush();
  }

  stop(): void {
    clearTimeout(this.#flushTimer);
  }

  /**
   * Each syscall to a client costs about as much as the bytes it carries (loopback: the receiver's TCP work is the
   * sender's too), so under load the flush waits out the coalescing window and every client gets one write for all
   * the events of it; after a quiet spell it runs on the next turn.
   */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    const wait = this.#lastFlushAt + this.#o.coalesceMs - performance.now();
    if (wait < 1) setImmediate(() => this.#scheduled && this.flush());
    else this.#flushTimer = setTimeout(() => this.flush(), wait);
  }

  /** Each connection's own frames, then one publish per group, then joins, then backpressure is measured. */
  flush(): void {
    this.#scheduled = false;
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#lastFlushAt = performance.now();
    const { metrics, transport } = this.#o;
    const written = this.#dirtyConns;
    this.#dirtyConns = [];
    for (const conn of written) {
      if (conn.closed || !conn.out) continue;
      conn.sink.send(conn.out);
      metrics.bound.bytesSent.inc(conn.outBytes);
      // Dropped, not emptied: an idle client holds no array between its writes.
      conn.out = undefined;
      conn.outBytes = 0;
    }
    const published = this.#dirtyGroups;
    this.#dirtyGroups = [];
    const now = Date.now();
    // Counted once per flush: with many restaurants a flush publishes to hundreds of groups of one event each.
    let bytesPublished = 0;
    let delivered = 0;
    for (const group of published) {
      const n = group.members.length;
      if (n > 0) {
        transport.publish(group.topic, group.sinks, group.batch);
        let bytes = 0;
        for (const frame of group.batch) bytes += Buffer.byteLength(frame);
        bytesPublished += bytes * n;
        delivered += group.batchTs.length * n;
        for (const ts of group.batchTs) metrics.bound.publishLatency.observe((now - ts) / 1000);
      }
      group.batch.length = 0;
      group.batchTs.length = 0;
    }
    if (bytesPublished > 0) metrics.bound.bytesSent.inc(bytesPublished);
    if (delivered > 0) metrics.bound.eventsDelivered.inc(delivered);
    for (const conn of this.#joinable) {
      const group = conn.group;
      if (conn.mode !== 'catching-up' || !group || conn.lastChain !== group.lastPassed) continue;
      this.#joinable.delete(conn);
      group.others.delete(conn);
      group.addMember(conn);
      conn.live();
      transport.join(conn.sink, group.topic);
    }
    this.#o.afterFlush(written, published);
  }
}
