// A bounded ring of the most recent events, so most resumes are served from memory instead of Redis.
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

/**
 * What a held event costs the heap besides its JSON's characters: the parsed event and its data, the entry, its slot.
 * tests/tenants/gateway-many-restaurants.test.ts measures about 640 B of heap per ring event of ~250 B of JSON.
 */
export const RING_ENTRY_OVERHEAD_BYTES = 400;

const cost = (entry: RingEntry) => entry.json.length + RING_ENTRY_OVERHEAD_BYTES;

export class RingBuffer {
  #capacity: number;
  /**
   * Grown as events come, never allocated up front: a gateway holds a ring per live restaurant, and a quiet
   * restaurant must not cost a full ring's worth of slots.
   */
  #items: RingEntry[] = [];
  #start = 0;
  #size = 0;
  #bytes = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('ring capacity must be a positive integer');
    this.#capacity = capacity;
  }

  get capacity(): number {
    return this.#capacity;
  }

  get size(): number {
    return this.#size;
  }

  /** The held events' estimated heap (JSON and a fixed overhead each): what the memory budget counts for this ring. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Keeps the event and its JSON: a resume storm then serializes nothing per client. */
  push(event: DishEvent, json: string = JSON.stringify(event)): void {
    const entry: RingEntry = { event, json, frame: undefined, frameBytes: 0 };
    this.#bytes += cost(entry);
    if (this.#items.length < this.#capacity) {
      // Still filling (start is 0 until the ring is full).
      this.#items.push(entry);
      this.#size++;
      return;
    }
    // Full: the newest takes the oldest's slot.
    this.#bytes -= cost(this.#items[this.#start]!);
    this.#items[this.#start] = entry;
    this.#start = (this.#start + 1) % this.#capacity;
  }

  clear(): void {
    this.#items = [];
    this.#start = 0;
    this.#size = 0;
    this.#bytes = 0;
  }

  /**
   * Keeps at most `capacity` events from now on, dropping the oldest beyond it: a resume from before the newest kept
   * event is then read from Redis, exact as ever, only slower.
   */
  shrink(capacity: number): void {
    const next = Math.max(1, Math.floor(capacity));
    if (next >= this.#capacity) return;
    const keep = this.#slice(Math.max(0, this.#size - next));
    this.#capacity = next;
    this.#items = keep;
    this.#start = 0;
    this.#size = keep.length;
    this.#bytes = 0;
    for (const entry of keep) this.#bytes += cost(entry);
  }

  /** How many of the newest events fit in `bytes` (as `bytes` counts them): the capacity a shrink to that many keeps. */
  newestWithin(bytes: number): number {
    let kept = 0;
    let sum = 0;
    for (let i = this.#size - 1; i >= 0; i--) {
      sum += cost(this.#at(i));
      if (sum > bytes) break;
      kept++;
    }
    return kept;
  }

  #at(i: number): RingEntry {
    return this.#items[(this.#start + i) % this.#capacity]!;
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
