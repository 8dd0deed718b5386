// Slow clients: past the soft limit a client is conflated (latest dish states and every chat), past the hard limit let
// go (it resumes by itself); a conflated client rejoins full rate once drained, or is fed at its maxRate.
import type { Connection } from './connection.js';
import type { Group } from './group.js';
import type { FanoutMetrics } from './metrics.js';
import type { CloseReason, Sink, Transport } from './transport.js';
import type { Writer } from './writer.js';

export interface BackpressureOptions<S extends Sink> {
  /** Past this many buffered bytes a client is conflated. */
  softLimitBytes: number;
  /** Past this many bytes owed (buffered + conflated) a client is disconnected. */
  hardLimitBytes: number;
  transport: Transport<S>;
  metrics: FanoutMetrics;
  writer: Writer<S>;
  close(conn: Connection<S>, reason: CloseReason): void;
  /** The proof's digest of what the connection's group holds at `id` (once per group and id, cached). */
  digestAt(conn: Connection<S>, id: string): string;
}

export class Backpressure<S extends Sink> {
  readonly #o: BackpressureOptions<S>;
  readonly #conflating = new Set<Connection<S>>();
  /** Groups published to since the last tick, whose members' backpressure the tick measures. */
  readonly #toSweep = new Set<Group<S>>();

  constructor(options: BackpressureOptions<S>) {
    this.#o = options;
  }

  /**
   * After a flush: connections written to one by one are measured at once; full-rate members are measured by the
   * tick, not here, so a publish costs each of them a write and nothing else.
   */
  afterFlush(written: readonly Connection<S>[], published: readonly Group<S>[]): void {
    const { softLimitBytes: soft, hardLimitBytes: hard } = this.#o;
    for (const group of published) this.#toSweep.add(group);
    for (const conn of written) {
      if (conn.closed) continue;
      const buffered = conn.sink.buffered();
      if (buffered > hard) this.#o.close(conn, 'slow');
      else if (buffered > soft && (conn.mode === 'catching-up' || conn.mode === 'live')) this.#conflate(conn);
    }
  }

  /** A client that asked for a maximum rate is fed conflated from the start. */
  startConflating(conn: Connection<S>): void {
    conn.conflating(Date.now());
    this.#setConflating(conn, true);
  }

  forget(conn: Connection<S>): void {
    this.#setConflating(conn, false);
  }

  tick(): void {
    const { softLimitBytes: soft, hardLimitBytes: hard, writer } = this.#o;
    // Past soft a full-rate client is conflated; past hard it is let go and resumes by itself. uWS's own cap sits well
    // above hard, so a client growing between two ticks is closed, never silently skipped.
    for (const group of this.#toSweep) {
      for (let i = group.members.length - 1; i >= 0; i--) {
        const conn = group.members[i]!;
        const buffered = conn.sink.buffered();
        if (buffered > hard) this.#o.close(conn, 'slow');
        else if (buffered > soft) this.#conflate(conn);
      }
    }
    this.#toSweep.clear();
    if (this.#conflating.size === 0) return;
    const now = Date.now();
    for (const conn of this.#conflating) {
      const conflation = conn.conflation!;
      const buffered = conn.sink.buffered();
      if (buffered + conflation.bytes > hard) {
        this.#o.close(conn, 'slow');
        continue;
      }
      const rate = conn.options.maxRate;
      if (rate !== undefined) {
        if (!conflation.empty && buffered < soft && now - conflation.lastFlush >= 1000 / rate) this.#flushState(conn, now);
      } else if (buffered <= soft / 2) {
        // Drained: what it missed goes out as one `state`, then it rejoins the full-rate path.
        if (!conflation.empty) this.#flushState(conn, now);
        this.#setConflating(conn, false);
        conn.catchingUp();
        writer.joinWhenCaughtUp(conn);
      }
    }
  }

  #conflate(conn: Connection<S>): void {
    const group = conn.group!;
    if (conn.mode === 'live') {
      group.removeMember(conn);
      this.#o.transport.leave(conn.sink, group.topic);
      group.others.add(conn);
      // Everything published so far is in its buffer: its chain ends where the group's does.
      conn.lastChain = group.lastPassed;
    }
    this.#o.writer.dropJoin(conn);
    this.startConflating(conn);
  }

  #setConflating(conn: Connection<S>, on: boolean): void {
    if (on === this.#conflating.has(conn)) return;
    if (on) this.#conflating.add(conn);
    else this.#conflating.delete(conn);
    this.#o.metrics.bound.conflating.set(this.#conflating.size);
  }

  #flushState(conn: Connection<S>, now: number): void {
    const { transport, metrics, writer } = this.#o;
    const conflation = conn.conflation!;
    const events = conflation.events;
    const state = conflation.take();
    if (!state) return;
    state.digest = this.#o.digestAt(conn, state.id);
    writer.queue(conn, transport.encode(state, JSON.stringify(state)));
    conn.lastChain = state.id;
    conflation.lastFlush = now;
    metrics.stateMessages.labels(transport.name).inc();
    metrics.conflatedEvents.labels(transport.name).inc(events);
  }
}
