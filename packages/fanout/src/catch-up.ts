// Bringing one connection to the present: a snapshot, or `resumed` and what it missed (from the ring, or from Redis
// while live events wait), then on to its group's full-rate path or to conflation at its maxRate.
import { compareStreamIds, isStreamId, stateDigest, type DishEvent, type ResumedMessage, type SnapshotMessage } from '@dish-live/protocol';
import type { EventLog, ReplayResult } from '@dish-live/broker';
import type { Backpressure } from './backpressure.js';
import type { Connection } from './connection.js';
import type { LiveView } from './live-view.js';
import type { Logger } from '@dish-live/server';
import type { FanoutMetrics } from './metrics.js';
import type { RingEntry } from './ring-buffer.js';
import type { Sink, Transport } from './transport.js';
import type { Writer } from './writer.js';
import type { Proof } from './proof.js';
import { ReadBatcher } from './read-batcher.js';

export interface CatchUpOptions<S extends Sink> {
  log: EventLog;
  live: LiveView;
  proof: Proof;
  transport: Transport<S>;
  writer: Writer<S>;
  backpressure: Backpressure<S>;
  metrics: FanoutMetrics;
  logger: Logger;
  instance: string;
  /** Events per XRANGE page of a replay from Redis. */
  replayPageSize: number;
}

export class CatchUp<S extends Sink> {
  readonly #o: CatchUpOptions<S>;
  /** Failed replays since the last warning: a Redis outage fails every resuming client at once, and one line a second says so. */
  #replayFailures = 0;
  #replayWarnedAt = 0;
  /**
   * Pages of replays from Redis by the id they follow: after a restart every client resumes from Redis (the ring
   * starts empty), most from the same id, and those waiting together share each page's read.
   */
  readonly #pages: ReadBatcher<string, ReplayResult>;

  constructor(options: CatchUpOptions<S>) {
    this.#o = options;
    this.#pages = new ReadBatcher((since) => options.log.replay(since, options.replayPageSize));
  }

  /** A connection just (re)subscribed to its group: snapshot, or resumed + missed events, then live. */
  start(conn: Connection<S>, since: string | undefined): void {
    const { live } = this.#o;
    const last = live.last;
    if (since === undefined || !isStreamId(since)) return this.snapshot(conn);
    const group = conn.group!;
    if (since === last) {
      this.#resumed(conn, since, this.#o.proof.digestAt(group, since)!);
      return this.#afterSync(conn);
    }
    const fromRing = compareStreamIds(since, last) < 0 ? live.ring.after(since) : undefined;
    if (fromRing) {
      // What it held at `since` cannot be told (a delete or a category move older than this process): a snapshot
      // it can check beats a resume it cannot.
      const digest = this.#o.proof.digestAt(group, since);
      if (digest === undefined) return this.snapshot(conn);
      this.#resumed(conn, since, digest);
      for (const entry of fromRing) if (group.passes(entry.event)) this.send(conn, entry.event, entry.json, entry);
      return this.#afterSync(conn);
    }
    void this.#replayFromRedis(conn, since, conn.epoch);
  }

  /** One event to one connection, its `prev` the end of this connection's chain. */
  send(conn: Connection<S>, event: DishEvent, json: string, entry?: RingEntry): void {
    if (!conn.isNew(event.id)) return;
    const { transport, writer } = this.#o;
    if (conn.lastChain !== event.prev) {
      writer.queue(conn, transport.encode(event, JSON.stringify({ ...event, prev: conn.lastChain })));
    } else if (!entry) {
      writer.queue(conn, transport.encode(event, json));
    } else {
      // The unfiltered chain: one frame per ring entry, whatever the number of clients resuming through it.
      if (entry.frame === undefined) {
        entry.frame = transport.encode(event, json);
        entry.frameBytes = Buffer.byteLength(entry.frame);
      }
      writer.queue(conn, entry.frame, entry.frameBytes);
    }
    conn.lastChain = event.id;
    this.#o.metrics.bound.eventsDelivered.inc();
    if (conn.mode === 'catching-up') writer.joinWhenCaughtUp(conn);
  }

  /** The group's snapshot of the view, framed once per group and last id, whatever the number of clients. */
  snapshot(conn: Connection<S>): void {
    const group = conn.group!;
    const view = this.#o.live.view;
    if (group.snapshotCache?.id !== view.last) {
      const snapshot = view.snapshot(group.categories);
      // Its dishes are the filter's already: their digest is the group's at this id, kept for `state` and `check` too.
      const digest = group.digests.get(snapshot.id) ?? stateDigest(snapshot.dishes);
      group.rememberDigest(snapshot.id, digest);
      const message: SnapshotMessage = { type: 'snapshot', ...snapshot, recovered: false, instance: this.#o.instance, digest };
      const frame = this.#o.transport.encode(message, JSON.stringify(message));
      group.snapshotCache = { id: snapshot.id, frame, bytes: Buffer.byteLength(frame) };
    }
    this.#o.writer.queue(conn, group.snapshotCache.frame, group.snapshotCache.bytes);
    conn.pending = undefined;
    conn.lastChain = view.last;
    conn.checkedId = view.last;
    conn.floor = view.last;
    this.#afterSync(conn);
  }

  #resumed(conn: Connection<S>, since: string, digest: string): void {
    const message: ResumedMessage = { type: 'resumed', id: since, recovered: true, instance: this.#o.instance, digest };
    this.#o.writer.queue(conn, this.#o.transport.encode(message, JSON.stringify(message)));
    conn.lastChain = since;
    conn.checkedId = since;
  }

  /** The client has its snapshot or replay: it goes live, or conflated when it asked for a maximum rate. */
  #afterSync(conn: Connection<S>): void {
    if (conn.options.maxRate !== undefined) {
      this.#o.backpressure.startConflating(conn);
    } else {
      conn.catchingUp();
      this.#o.writer.joinWhenCaughtUp(conn);
    }
  }

  /**
   * Reads what the client missed from Redis. Live events arriving meanwhile wait in `pending`; once the replay is
   * written, those the replay already covered (ids ≤ its last) are dropped and the rest follow in order.
   */
  async #replayFromRedis(conn: Connection<S>, since: string, epoch: number): Promise<void> {
    conn.replaying();
    const { log, replayPageSize, logger } = this.#o;
    const stale = () => conn.closed || conn.epoch !== epoch;
    try {
      let page = await this.#pages.get(since);
      if (stale()) return;
      if (!page.recovered) return this.snapshot(conn);
      const group = conn.group!;
      const digest = await this.#o.proof.digestFromLog(group, since, log, replayPageSize);
      if (stale()) return;
      if (digest === undefined) return this.snapshot(conn);
      this.#resumed(conn, since, digest);
      for (;;) {
        for (const event of page.events) if (group.passes(event)) this.send(conn, event, JSON.stringify(event));
        conn.floor = page.last;
        if (!page.more) break;
        page = await this.#pages.get(page.last);
        if (stale()) return;
        // Trimmed while we read: the rest is gone from Redis, but a snapshot from memory needs no reconnect.
        if (!page.recovered) return this.snapshot(conn);
      }
      const pending = conn.pending ?? [];
      conn.pending = undefined;
      for (const event of pending) this.send(conn, event, JSON.stringify(event));
      this.#afterSync(conn);
    } catch (err) {
      if (stale()) return;
      // Redis is away: a snapshot from memory is always possible, and never an error.
      this.#replayFailures++;
      const now = Date.now();
      if (now - this.#replayWarnedAt >= 1000) {
        logger.warn({ err: (err as Error).message, failures: this.#replayFailures }, 'replay failed; sending a snapshot');
        this.#replayWarnedAt = now;
        this.#replayFailures = 0;
      }
      this.snapshot(conn);
    }
  }
}
