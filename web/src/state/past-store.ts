// The state the timeline shows: a store of its own, filled from `state?at=`, a sales page and the log's events, never
// from (nor into) the live store, so the live page keeps counting underneath.
import { DishStore } from '@dish-live/client';
import type { DishEvent, SalesHistory } from '@dish-live/protocol';
import type { StateAt } from '../api.js';

export class PastStore extends DishStore {
  /** The moment shown: the base state's, moved on as events are applied up to a later moment. */
  at = 0;

  constructor(onChange: () => void) {
    super(undefined, { onChange });
  }

  /**
   * Starts from a past state and the sales up to it (closed buckets before `state.at`): the view is as of `state.at`.
   * No chat: the chat panel stays live.
   */
  load(state: StateAt, sales: SalesHistory | undefined): void {
    this.applySnapshot({ id: state.id, dishes: state.dishes, ...(sales ? { sales } : {}) }, state.at);
    this.at = state.at;
  }

  /**
   * Applies, in log order, the events that happened by `at` (each one after the state, as the log follows it) and
   * shows `at`; returns how many of `events` it applied: the rest are for a later moment.
   */
  advance(at: number, events: readonly DishEvent[]): number {
    let applied = 0;
    for (const event of events) {
      if (event.ts > at) break;
      this.applyEvent(event);
      applied++;
    }
    this.at = Math.max(this.at, at);
    return applied;
  }
}
