// The proof's digests of one live restaurant (DESIGN.md "Proof"): what a filter group's clients are meant to hold at an
// id, computed on demand and cached per group and id, never on the per-event path.
import { compareStreamIds, type DishEvent } from '@dish-live/protocol';
import type { EventLog } from '@dish-live/broker';
import type { Connection } from './connection.js';
import type { Group } from './group.js';
import type { LiveView } from './live-view.js';
import { filteredDigest, Rollback } from './rollback.js';
import type { Sink } from './transport.js';

export class Proof {
  /** Digests being read from the log, per group by id and the view's last id. */
  readonly #reading = new WeakMap<object, Map<string, Promise<string | undefined>>>();

  constructor(private readonly live: LiveView) {}

  /**
   * The group's digest at `id`: the view's dishes at its last id, rolled back through the ring's events after `id`
   * for an earlier one. Undefined when memory cannot tell (the ring does not reach back, or a before-image is missing).
   */
  digestAt<S extends Sink>(group: Group<S>, id: string): string | undefined {
    const cached = group.digests.get(id);
    if (cached !== undefined) return cached;
    const view = this.live.view;
    let digest: string | undefined;
    if (id === view.last) digest = filteredDigest(view.dishes.values(), group.categories);
    else {
      const entries = compareStreamIds(id, view.last) < 0 ? this.live.ring.after(id) : undefined;
      if (!entries) return undefined;
      const rollback = new Rollback(view.undo, group.categories);
      for (const entry of entries) rollback.add(entry.event);
      digest = rollback.digest(view.dishes);
    }
    if (digest !== undefined) group.rememberDigest(id, digest);
    return digest;
  }

  /**
   * As digestAt, for an id older than the ring: the view's dishes now, rolled back through the events after `since`
   * read from the log page by page (only first touches are kept, so memory is bounded by the menu). A resume from that
   * far back reads those events anyway to replay them: this doubles a rare read rather than hold a day of
   * before-images per restaurant.
   */
  digestFromLog<S extends Sink>(group: Group<S>, since: string, log: EventLog, pageSize: number): Promise<string | undefined> {
    const cached = this.digestAt(group, since);
    if (cached !== undefined) return Promise.resolve(cached);
    // Clients resuming from one id at once (after a restart) share the read: the same view at the same last id.
    const key = `${since} ${this.live.view.last}`;
    let reading = this.#reading.get(group);
    if (!reading) this.#reading.set(group, (reading = new Map<string, Promise<string | undefined>>()));
    let digest = reading.get(key);
    if (!digest) {
      const own = reading;
      digest = this.#digestFromLog(group, since, log, pageSize).finally(() => {
        own.delete(key);
        if (own.size === 0) this.#reading.delete(group);
      });
      reading.set(key, digest);
    }
    return digest;
  }

  async #digestFromLog<S extends Sink>(group: Group<S>, since: string, log: EventLog, pageSize: number): Promise<string | undefined> {
    const view = this.live.view;
    const last = view.last;
    // The view moves on while the log is read: its dishes as of `last` are what the events roll back from.
    const dishes = new Map(view.dishes);
    const rollback = new Rollback(view.undo, group.categories);
    let from = since;
    while (compareStreamIds(from, last) < 0) {
      const page: DishEvent[] = await log.range(`(${from}`, last, pageSize);
      if (page.length === 0) return undefined;
      for (const event of page) rollback.add(event);
      if (!rollback.known) return undefined;
      from = page.at(-1)!.id;
    }
    if (from !== last) return undefined;
    const digest = rollback.digest(dishes);
    if (digest !== undefined) group.rememberDigest(since, digest);
    return digest;
  }
}

/**
 * The digest at `id` of what the connection's group holds, for a `state` or a `check`; the present's when memory no
 * longer reaches back to `id` (the ring shrunk under the memory budget), which a filter's quiet stretch can only cause.
 */
export function digestFor<S extends Sink>(conn: Connection<S>, id: string): string {
  const { proof, live } = conn.restaurant;
  return proof.digestAt(conn.group!, id) ?? proof.digestAt(conn.group!, live.last)!;
}
