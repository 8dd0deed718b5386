// The proof's `check` messages: at most every interval, to each client that got events since its last one, what it is
// meant to hold at the last id it was sent. One timer per gateway; one digest and one frame per group and id a round.
import type { CheckMessage } from '@dish-live/protocol';
import type { Group } from './group.js';
import type { LiveRestaurants } from './live-restaurants.js';
import type { FanoutMetrics } from './metrics.js';
import type { Proof } from './proof.js';
import type { Sink, Transport } from './transport.js';
import type { Writer } from './writer.js';

/** The contract's "at most every 10 s". */
export const DEFAULT_CHECK_MS = 10_000;

export interface ChecksOptions<S extends Sink> {
  restaurants: LiveRestaurants<S>;
  writer: Writer<S>;
  transport: Transport<S>;
  metrics: FanoutMetrics;
  intervalMs: number;
}

export class Checks<S extends Sink> {
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: ChecksOptions<S>) {}

  start(): void {
    this.#timer = setInterval(() => this.round(), this.o.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** One round: full-rate members by one frame per group (after this turn's events), the others one by one. */
  round(): void {
    let sent = 0;
    for (const r of this.o.restaurants.values()) {
      if (r.state !== 'live') continue;
      for (const group of r.groups.values()) sent += this.#checkGroup(r.proof, group);
    }
    if (sent > 0) this.o.metrics.checks.labels(this.o.transport.name).inc(sent);
  }

  /** The checks it sent. */
  #checkGroup(proof: Proof, group: Group<S>): number {
    const { writer } = this.o;
    let sent = 0;
    const frames = new Map<string, string | undefined>();
    // A check the proof cannot compute from memory (an id the view has not reached, or that the ring no longer
    // reaches back to) is left to a later round: a wrong one would make an honest client resynchronise.
    const frame = (id: string): string | undefined => {
      if (!frames.has(id)) {
        const digest = proof.digestAt(group, id);
        const message: CheckMessage | undefined = digest === undefined ? undefined : { type: 'check', id, digest };
        frames.set(id, message && this.o.transport.encode(message, JSON.stringify(message)));
      }
      return frames.get(id);
    };
    if (group.members.length > 0 && group.lastPassed !== group.checkedId) {
      const f = frame(group.lastPassed);
      if (f !== undefined) {
        // Queued behind this turn's frames of the group, so it comes after the events it covers.
        group.checkedId = group.lastPassed;
        writer.batch(group, f);
        sent += group.members.length;
      }
    }
    for (const conn of group.others) {
      // A replaying client's chain is still being written: it is checked once it is through.
      if (conn.mode === 'replaying' || conn.lastChain === conn.checkedId) continue;
      const f = frame(conn.lastChain);
      if (f === undefined) continue;
      conn.checkedId = conn.lastChain;
      writer.queue(conn, f);
      sent++;
    }
    return sent;
  }
}
