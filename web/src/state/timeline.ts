// The timeline (issue 16): a past moment from `state?at=` shown in a store of its own, replayed from the log at 1×, 10×
// or 60×, and back to live, which is instant since the live client never stopped.
import { shallowRef } from 'vue';
import type { DishEvent } from '@dish-live/protocol';
import { bucketStart } from '@dish-live/protocol/wire';
import type { DishApi, HistorySpan } from '../api.js';
import { PastStore } from './past-store.js';
import { ReplayScheduler, type ReplaySpeed } from './replay-scheduler.js';

export type TimelineMode = 'live' | 'past' | 'replay';

/** What the timeline needs of the dashboard: the shown restaurant's API and the view it switches. */
export interface TimelineHost {
  readonly api: DishApi;
  showPast(store: PastStore | undefined): void;
  requestFrame(): void;
  /** The live store's sales bucket width, when it knows it. */
  salesBucketMs(): number | undefined;
}

/** A drag asks for one state once it rests this long: never one request per pixel. */
export const SEEK_DEBOUNCE_MS = 200;
/** Events per page of the polling route while replaying; the next page is asked for when half of one is left. */
export const REPLAY_PAGE = 1000;
/** The sales chart's longest window: the sales up to a past moment are read this far back. */
const SALES_BACK_MS = 3_600_000;
const DEFAULT_BUCKET_MS = 10_000;
/** The replay's clock ticks at least this often while no event is due, so the moment shown moves. */
const TICK_MS = 250;
/** How long an empty page at the head waits before the log is asked again. */
const HEAD_POLL_MS = 500;

export class Timeline {
  readonly mode = shallowRef<TimelineMode>('live');
  /** The moment shown while in the past: the one chosen, then the replay's. */
  readonly moment = shallowRef<number | undefined>();
  /** The moment the reader chose last (drag settled, replay started): what the banner announces. */
  readonly chosen = shallowRef<number | undefined>();
  readonly span = shallowRef<HistorySpan | undefined>();
  readonly speed = shallowRef<ReplaySpeed>(10);
  readonly loading = shallowRef(false);
  readonly failure = shallowRef<string | undefined>();
  /** Bumped by every load and by back to live: an answer for an older one is dropped. */
  #generation = 0;
  #store: PastStore | undefined;
  #scheduler: ReplayScheduler | undefined;
  /** Events read after the state but not yet due; the id of the last one read. */
  #pending: DishEvent[] = [];
  #readUpTo = '';
  #headReachedAt = 0;
  #reading = false;
  #seekTimer: ReturnType<typeof setTimeout> | undefined;
  #tickTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: TimelineHost,
    private readonly clock: () => number = Date.now,
  ) {}

  async refreshSpan(): Promise<void> {
    try {
      this.span.value = await this.host.api.historySpan();
    } catch (err) {
      this.failure.value = err instanceof Error ? err.message : String(err);
    }
  }

  /** The oldest moment a drag may reach now: the span's start, or the retention's edge once the clock passed it. */
  earliest(): number | undefined {
    const span = this.span.value;
    if (!span) return undefined;
    // A second of margin: the retention's edge moves while a request is on its way.
    return Math.max(span.from, this.clock() - span.retentionMs + 1000);
  }

  /** A drag moved to `at`: shown at once in words, loaded once the drag rests. */
  seek(at: number): void {
    const now = this.clock();
    if (at >= now) return this.live();
    this.#stopReplay();
    this.mode.value = 'past';
    this.moment.value = at;
    if (this.#seekTimer !== undefined) clearTimeout(this.#seekTimer);
    this.#seekTimer = setTimeout(() => {
      this.#seekTimer = undefined;
      void this.load(at);
    }, SEEK_DEBOUNCE_MS);
  }

  /**
   * Shows `at`: the state at the start of its sales bucket, the closed buckets before it, then the events up to `at`
   * applied here, so the bucket in progress counts exactly what had sold by then.
   */
  async load(at: number): Promise<void> {
    const generation = ++this.#generation;
    this.#stopReplay();
    this.mode.value = 'past';
    this.moment.value = at;
    this.chosen.value = at;
    this.loading.value = true;
    this.failure.value = undefined;
    const api = this.host.api;
    try {
      const bucketMs = this.host.salesBucketMs() ?? DEFAULT_BUCKET_MS;
      const bucket = bucketStart(at, bucketMs);
      const base = Math.max(bucket - 1, this.earliest() ?? 0);
      const [state, sales] = await Promise.all([api.stateAt(Math.min(base, at)), api.salesPage(bucket - SALES_BACK_MS, bucket, 1000)]);
      if (generation !== this.#generation) return;
      const store = new PastStore(() => this.host.requestFrame());
      store.load(state, { bucketMs: sales.bucketMs, buckets: sales.buckets });
      this.#store = store;
      this.#pending = [];
      this.#readUpTo = state.id;
      this.#headReachedAt = 0;
      // The events up to `at`: pages until one goes past it or the log's head is reached.
      while (this.#pending.at(-1) === undefined || this.#pending.at(-1)!.ts <= at) {
        if (!(await this.#readPage(generation)) || this.#headReachedAt > 0) break;
      }
      if (generation !== this.#generation) return;
      const applied = store.advance(at, this.#pending);
      this.#pending = this.#pending.slice(applied);
      this.host.showPast(store);
    } catch (err) {
      if (generation !== this.#generation) return;
      this.failure.value = err instanceof Error ? err.message : String(err);
      // The retention's edge may have moved past the moment: read where history starts now.
      void this.refreshSpan();
    } finally {
      if (generation === this.#generation) this.loading.value = false;
    }
  }

  /** Replays from the moment shown at `speed`; reaching the present makes the page live by itself. */
  play(speed: ReplaySpeed = this.speed.value): void {
    this.speed.value = speed;
    const store = this.#store;
    if (this.mode.value === 'live' || !store || this.loading.value) return;
    if (this.#scheduler) return this.#scheduler.setSpeed(speed, this.clock());
    this.mode.value = 'replay';
    this.chosen.value = store.at;
    this.#scheduler = new ReplayScheduler(store.at, speed, this.clock());
    this.#scheduler.push(this.#pending);
    this.#pending = [];
    this.#tick(this.#generation);
  }

  /** Holds the replay at the moment reached. */
  pause(): void {
    if (this.mode.value !== 'replay') return;
    this.#stopReplay();
    this.mode.value = 'past';
    this.chosen.value = this.moment.value;
  }

  /** Back to the live store, which kept applying every event meanwhile: nothing to catch up. */
  live(): void {
    this.#generation++;
    this.#stopReplay();
    if (this.#seekTimer !== undefined) clearTimeout(this.#seekTimer);
    this.#seekTimer = undefined;
    this.#store = undefined;
    this.#pending = [];
    this.loading.value = false;
    this.moment.value = undefined;
    this.chosen.value = undefined;
    if (this.mode.value !== 'live') {
      this.mode.value = 'live';
      this.host.showPast(undefined);
    }
  }

  dispose(): void {
    this.live();
  }

  #tick(generation: number): void {
    const scheduler = this.#scheduler;
    const store = this.#store;
    if (!scheduler || !store || generation !== this.#generation) return;
    const now = this.clock();
    const { at, events } = scheduler.due(now);
    store.advance(at, events);
    this.moment.value = at;
    if (at >= now) return this.live();
    const headFresh = now - this.#headReachedAt < HEAD_POLL_MS;
    if (!this.#reading && scheduler.queued < REPLAY_PAGE / 2 && !headFresh) {
      void this.#readPage(generation).then((ok) => {
        // Paused meanwhile: the page waits in #pending, after what the pause kept.
        if (this.#scheduler !== scheduler) return;
        if (ok) scheduler.push(this.#pending.splice(0));
        else this.live();
      });
    }
    const wait = Math.min(scheduler.nextDueIn(now) ?? TICK_MS, TICK_MS);
    this.#tickTimer = setTimeout(() => this.#tick(generation), Math.max(wait, 16));
  }

  /** Reads the page after the last event read into #pending; false when the log no longer reaches back to it. */
  async #readPage(generation: number): Promise<boolean> {
    this.#reading = true;
    try {
      const answer = await this.host.api.eventsSince(this.#readUpTo, REPLAY_PAGE);
      if (generation !== this.#generation) return true;
      if (!answer.recovered) return false;
      this.#pending.push(...answer.events);
      this.#readUpTo = answer.last;
      if (!answer.more) this.#headReachedAt = this.clock();
      return true;
    } finally {
      this.#reading = false;
    }
  }

  #stopReplay(): void {
    if (this.#tickTimer !== undefined) clearTimeout(this.#tickTimer);
    this.#tickTimer = undefined;
    // What the replay had read but not shown yet waits for the next one.
    if (this.#scheduler) this.#pending = [...this.#scheduler.rest(), ...this.#pending];
    this.#scheduler = undefined;
  }
}
