// The filter groups of one live restaurant: connections asking for the same categories share a group, and each event is framed
// once per group that passes it, whatever the number of its members.
import { filterKey, type DishEvent } from '@dish-live/protocol';
import type { Connection } from './connection.js';
import { Group } from './group.js';
import type { Sink, Transport } from './transport.js';
import type { Writer } from './writer.js';

export interface GroupsOptions<S extends Sink> {
  /** The restaurant whose events these groups carry (it names their topics). */
  restaurant: string;
  transport: Transport<S>;
  writer: Writer<S>;
  /** Where a new group's chain starts: the view's last id. */
  lastId: () => string;
  /** An event for a connection that is not yet (or no longer) a full-rate member: resuming, catching up, conflated. */
  offer: (conn: Connection<S>, event: DishEvent, json: string) => void;
}

export class Groups<S extends Sink> {
  readonly #groups = new Map<string, Group<S>>();

  constructor(private readonly o: GroupsOptions<S>) {}

  /** Puts the connection in the group of its categories, among those served one by one until it is live. */
  join(conn: Connection<S>, categories: readonly string[] | undefined): void {
    let group = this.#groups.get(filterKey(categories));
    if (!group) {
      group = new Group<S>(this.o.restaurant, categories, this.o.lastId());
      this.#groups.set(group.key, group);
    }
    conn.group = group;
    group.others.add(conn);
  }

  values(): IterableIterator<Group<S>> {
    return this.#groups.values();
  }

  /** Every connection in a group: full-rate members and the others. */
  connections(): Connection<S>[] {
    const all: Connection<S>[] = [];
    for (const group of this.#groups.values()) all.push(...group.members, ...group.others);
    return all;
  }

  /** Takes the connection out of its group (and its topic, while the socket is open); an empty group goes. */
  leave(conn: Connection<S>, socketOpen: boolean): void {
    const group = conn.group;
    if (!group) return;
    if (conn.mode === 'live') {
      group.removeMember(conn);
      if (socketOpen) this.o.transport.leave(conn.sink, group.topic);
    }
    group.others.delete(conn);
    if (group.size === 0) this.#groups.delete(group.key);
  }

  /** An event the view and the ring have taken: one frame per group for its members, one by one for the others. */
  route(event: DishEvent, json: string): void {
    const { transport, writer, offer } = this.o;
    for (const group of this.#groups.values()) {
      if (!group.passes(event)) continue;
      const prev = group.lastPassed;
      group.lastPassed = event.id;
      if (group.members.length > 0) writer.batch(group, transport.encode(event, group.json(event, json, prev)), event.ts);
      for (const conn of group.others) offer(conn, event, json);
    }
  }
}
