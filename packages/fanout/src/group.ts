// A filter set's group within one restaurant: its clients, the chain of events that pass its filter, and this turn's frames.
import { eventCategory, filterKey, type DishEvent } from '@dish-live/protocol';
import type { Connection } from './connection.js';
import type { Sink } from './transport.js';

const DIGESTS_KEPT = 16;

export class Group<S extends Sink = Sink> {
  readonly key: string;
  /** Topic name for transports that broadcast by topic (uWS): one namespace per process, so it names the restaurant. */
  readonly topic: string;
  readonly categories: ReadonlySet<string> | undefined;
  /** Full-rate connections, written to by one publish per turn. */
  readonly members: Connection<S>[] = [];
  /** Their sinks, index for index: what a publish hands the transport. */
  readonly sinks: S[] = [];
  /** Connections that get events one by one: resuming, catching up, conflated. */
  readonly others = new Set<Connection<S>>();
  /** The last event that passed this filter (the `prev` of the next one); the view's last id at creation. */
  lastPassed: string;
  /** Frames of this turn, not yet published, and their events' publish times. */
  readonly batch: string[] = [];
  readonly batchTs: number[] = [];
  snapshotCache: { id: string; frame: string; bytes: number } | undefined;
  /** Digests of this filter's state by id (the proof's): one hash per group and id, whatever the number of clients. */
  readonly digests = new Map<string, string>();
  /** The id its members' last `check` was at. */
  checkedId: string | undefined;

  constructor(restaurant: string, categories: readonly string[] | undefined, lastId: string) {
    this.key = filterKey(categories);
    this.topic = `${restaurant}/g:${this.key}`;
    this.categories = categories ? new Set(categories) : undefined;
    this.lastPassed = lastId;
    this.checkedId = lastId;
  }

  get size(): number {
    return this.members.length + this.others.size;
  }

  passes(event: DishEvent): boolean {
    if (!this.categories) return true;
    const category = eventCategory(event);
    // Chat passes every filter; a deletion without a category cannot be placed, so nobody misses it. A move out of the
    // filter passes too: its clients drop the dish, as the digest of their filter says they must.
    if (category === undefined || this.categories.has(category)) return true;
    return event.type === 'dish.updated' && event.data.previousCategory !== undefined && this.categories.has(event.data.previousCategory);
  }

  /** The event's JSON for this group: as published when `prev` agrees, else with `prev` rewritten to this filter's chain. */
  json(event: DishEvent, json: string, prev: string): string {
    return prev === event.prev ? json : JSON.stringify({ ...event, prev });
  }

  /** Keeps a digest for its id; the few most recent ids are enough (the present, and resumes from near it). */
  rememberDigest(id: string, digest: string): void {
    this.digests.set(id, digest);
    if (this.digests.size > DIGESTS_KEPT) this.digests.delete(this.digests.keys().next().value!);
  }

  addMember(conn: Connection<S>): void {
    conn.memberIndex = this.members.length;
    this.members.push(conn);
    this.sinks.push(conn.sink);
  }

  removeMember(conn: Connection<S>): void {
    const i = conn.memberIndex;
    if (i < 0 || this.members[i] !== conn) return;
    const last = this.members.pop()!;
    const lastSink = this.sinks.pop()!;
    if (last !== conn) {
      this.members[i] = last;
      this.sinks[i] = lastSink;
      last.memberIndex = i;
    }
    conn.memberIndex = -1;
  }
}
