// The dashboard's frames: what the shown store (the live one, or the timeline's past) changed, handed to the views that
// draw it, each at its own pace; and what the live stream costs a viewer (event → render latency, events per second).
import { shallowRef } from 'vue';
import { LatencyRing, RateMeter, type DishStore } from '@dish-live/client';
import { createFrameScheduler } from './frame-scheduler.js';
import { FrameListeners, type FrameListener } from './frame-listeners.js';
import type { PastStore } from './past-store.js';

export class FrameRenderer {
  /** Event → render latency: what a viewer waits, the frame included. */
  readonly latency = new LatencyRing(2048);
  /** Bumped once per frame that changed anything: a cheap reactive signal for views that list the dishes. */
  readonly version = shallowRef(0);
  /** The past the timeline shows instead of the live store, undefined while live; the live store keeps applying. */
  readonly past = shallowRef<PastStore | undefined>();
  readonly #rate = new RateMeter(3);
  readonly #listeners = new FrameListeners();
  readonly #frames = createFrameScheduler(() => this.#render());
  #deferred: ReturnType<typeof setTimeout> | undefined;
  #shownChanged = false;

  constructor(private readonly live: DishStore) {}

  get shown(): DishStore {
    return this.past.value ?? this.live;
  }

  /** The moment shown: the past's, or now. */
  now(): number {
    return this.past.value?.at ?? Date.now();
  }

  schedule(): void {
    this.#frames.schedule();
  }

  onFrame(listener: FrameListener, minIntervalMs: number): () => void {
    return this.#listeners.add(listener, minIntervalMs);
  }

  /** Shows a past store, or the live one again: every view redraws from the store now shown. */
  showPast(store: PastStore | undefined): void {
    this.past.value = store;
    this.#shownChanged = true;
    this.#frames.schedule();
  }

  eventsPerSecond(now: number): number {
    return this.#rate.rate(now);
  }

  stop(): void {
    this.#frames.cancel();
    if (this.#deferred !== undefined) clearTimeout(this.#deferred);
  }

  #render(): void {
    const live = this.live.takeChanges();
    const past = this.past.value?.takeChanges();
    // The chat stays live while the charts and the table show the past.
    if (past) past.chat = live.chat;
    const changes = past ?? live;
    changes.reset ||= this.#shownChanged;
    this.#shownChanged = false;
    const now = Date.now();
    const nextDue = this.#listeners.dispatch(changes, now);
    // A listener that skipped this frame with changes pending gets a frame when its interval is over.
    if (nextDue !== undefined && this.#deferred === undefined) {
      this.#deferred = setTimeout(() => {
        this.#deferred = undefined;
        this.#frames.schedule();
      }, nextDue - now);
    }
    const rendered = Date.now();
    for (const ts of live.eventTs) this.latency.add(rendered - ts);
    this.#rate.add(live.eventCount, rendered);
    this.version.value++;
  }
}
