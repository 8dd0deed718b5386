// The timeline's replay clock: events recorded at their `ts` handed out at that pace × the speed, from a past moment on.
import type { DishEvent } from '@dish-live/protocol';

export const REPLAY_SPEEDS = [1, 10, 60] as const;
export type ReplaySpeed = (typeof REPLAY_SPEEDS)[number];

/**
 * Replay time runs `speed` times as fast as the wall clock from `from`; `due(now)` hands out, in log order, every
 * queued event whose `ts` the replay time has passed. Pure: the caller owns the timers and the fetching.
 */
export class ReplayScheduler {
  #from: number;
  #startedAt: number;
  #speed: ReplaySpeed;
  readonly #queue: DishEvent[] = [];
  #head = 0;

  constructor(from: number, speed: ReplaySpeed, now: number) {
    this.#from = from;
    this.#speed = speed;
    this.#startedAt = now;
  }

  get speed(): ReplaySpeed {
    return this.#speed;
  }

  /** The moment replayed at wall time `now`. */
  moment(now: number): number {
    return this.#from + Math.max(0, now - this.#startedAt) * this.#speed;
  }

  /** A new speed from the moment reached: the replay does not jump. */
  setSpeed(speed: ReplaySpeed, now: number): void {
    this.#from = this.moment(now);
    this.#startedAt = now;
    this.#speed = speed;
  }

  /** Events after those queued, in log order. */
  push(events: readonly DishEvent[]): void {
    this.#queue.push(...events);
  }

  /** Events waiting for their time. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /**
   * The events due at wall time `now`: in log order up to the first whose `ts` is still ahead (an event's ts may be a
   * millisecond before the one it follows; the log's order wins, as in `state?at=`).
   */
  due(now: number): { at: number; events: DishEvent[] } {
    const at = this.moment(now);
    const start = this.#head;
    while (this.#head < this.#queue.length && this.#queue[this.#head]!.ts <= at) this.#head++;
    const events = this.#queue.slice(start, this.#head);
    // Handed-out events are dropped now and then, not on every call: no O(n) shift per frame.
    if (this.#head > 1024) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    return { at, events };
  }

  /** Takes the events still waiting (a paused replay keeps them for the next one). */
  rest(): DishEvent[] {
    const rest = this.#queue.slice(this.#head);
    this.#queue.length = 0;
    this.#head = 0;
    return rest;
  }

  /** Wall milliseconds until the next queued event is due; undefined when none is queued. */
  nextDueIn(now: number): number | undefined {
    const next = this.#queue[this.#head];
    if (!next) return undefined;
    return Math.max(0, (next.ts - this.moment(now)) / this.#speed);
  }
}
