// A fixed-size ring of the most recent events, so most resumes are served from memory instead of Redis.
import { compareStreamIds, ZERO_ID, type DishEvent } from '@dish-live/protocol';

/** An event as the feed delivered it, with its JSON, and the transport's frame of it once one was made. */
export interface RingEntry {
  readonly event: DishEvent;
  readonly json: string;
  /** The unfiltered chain's frame, cached by the first resume that needs it, shared by every later one. */
  frame: string | undefined;
  /** The frame's length in bytes, measured with it. */
  frameBytes: number;
}

export class RingBuffer {
  readonly #items: (RingEntry | undefined)[];
  #start = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('ring capacity must be a positive integer');
    this.#items = new Array<RingEntry | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Keeps the event and its JSON: a resume storm then serializes nothing per client. */
  push(event: DishEvent, json: string = JSON.stringify(event)): void {
    const end = (this.#start + this.#size) % this.capacity;
    this.#items[end] = { event, json, frame: undefined, frameBytes: 0 };
    if (this.#size < this.capacity) this.#size++;
    else this.#start = (this.#start + 1) % this.capacity;
  }

  clear(): void {
    this.#items.fill(undefined);
    this.#start = 0;
    this.#size = 0;
  }

  #at(i: number): RingEntry {
    return this.#items[(this.#start + i) % this.capacity]!;
  }

  /**
   * The events after `since`, when the ring proves nothing between `since` and its oldest event is missing:
   * `since` is in the ring, is the oldest event's prev, or is "0-0" while the ring starts at the first event ever.
   * Undefined when the ring cannot tell (the caller asks Redis).
   */
  after(since: string): RingEntry[] | undefined {
    if (this.#size === 0) return undefined;
    const oldest = this.#at(0).event;
    if (since === oldest.prev) return this.#slice(0);
    if (since === ZERO_ID) return undefined;
    let lo = 0;
    let hi = this.#size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareStreamIds(this.#at(mid).event.id, since);
      if (c === 0) return this.#slice(mid + 1);
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  #slice(from: number): RingEntry[] {
    const out: RingEntry[] = [];
    for (let i = from; i < this.#size; i++) out.push(this.#at(i));
    return out;
  }
}
