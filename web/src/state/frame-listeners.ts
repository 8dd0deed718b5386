// The renderers a frame calls, each at most once per its own interval, none losing a change it skipped.
import { emptyChanges, hasChanges, mergeChanges, type ChangeRecord } from '@dish-live/client';

export type FrameListener = (changes: ChangeRecord, now: number) => void;

interface Registration {
  listener: FrameListener;
  minIntervalMs: number;
  lastRun: number;
  /** Changes collected over the frames this listener skipped. */
  pending: ChangeRecord | undefined;
}

export class FrameListeners {
  readonly #registrations = new Set<Registration>();

  /** Adds a listener called at most once per `minIntervalMs`; the returned function removes it. */
  add(listener: FrameListener, minIntervalMs = 0): () => void {
    const registration: Registration = { listener, minIntervalMs, lastRun: Number.NEGATIVE_INFINITY, pending: undefined };
    this.#registrations.add(registration);
    return () => this.#registrations.delete(registration);
  }

  /**
   * Hands one frame's changes to every listener that is due (with whatever it skipped folded in) and keeps them for
   * the others. A reset (a snapshot, another restaurant) is due everywhere at once: a view held back would show a
   * state the store no longer has, another restaurant's even. Returns when the next skipped-with-changes listener
   * falls due, or undefined when none waits.
   */
  dispatch(changes: ChangeRecord, now: number): number | undefined {
    let nextDue: number | undefined;
    for (const r of this.#registrations) {
      const due = r.lastRun + r.minIntervalMs;
      if (now >= due || changes.reset) {
        const merged = r.pending ? mergeChanges(r.pending, changes) : changes;
        r.pending = undefined;
        r.lastRun = now;
        r.listener(merged, now);
      } else if (r.pending || hasChanges(changes)) {
        r.pending = mergeChanges(r.pending ?? emptyChanges(), changes);
        nextDue = nextDue === undefined ? due : Math.min(nextDue, due);
      }
    }
    return nextDue;
  }
}
