// The dashboard controller: one live connection (to one restaurant) applying to the client's store, one frame loop
// redrawing what it changed.
import { shallowRef, type ShallowRef } from 'vue';
import { connect, type ClientStatus, type DishClient } from '@dish-live/client';
import type { Restaurant } from '@dish-live/protocol';
import { DEFAULT_RESTAURANT } from '@dish-live/protocol/wire';
import { DishApi, restaurantApiBase } from '../api.js';
import type { RuntimeConfig } from '../runtime-config.js';
import { AlertingStore } from './alerting-store.js';
import { clientOptions } from './client-options.js';
import { savedToken, saveToken } from './preferences.js';
import type { FrameListener } from './frame-listeners.js';
import { FrameRenderer } from './frame-renderer.js';
import { ProofTally } from './proof-tally.js';
import { statusView, type StatusView } from './status-view.js';
import type { TransportChoice } from './url-state.js';

/** Why the page shows another restaurant than its link named: the id was no restaurant id, or no such restaurant exists. */
export interface RestaurantNotice {
  reason: 'invalid' | 'unknown';
  id: string;
}

/** How often the status bar's figures refresh: often enough to read as live, rarely enough to cost nothing. */
const STATUS_REFRESH_MS = 250;

/** What the dashboard asks the gateways for: more than a screen can show is conflated server-side. */
export const DASHBOARD_MAX_RATE = 60;

/** Chat lines the panel keeps: a longer scrollback than the recent chat a snapshot carries. */
const CHAT_SCROLLBACK = 200;

export class Dashboard {
  /** Applied to by the client, once per message; each change asks for a frame, which takes what changed; tells of stock alerts. */
  readonly store = new AlertingStore(() => this.restaurant.value, { chatLimit: CHAT_SCROLLBACK, onChange: () => this.view.schedule() });
  /** What the views draw, frame by frame: the live store, or the timeline's past shown instead (`view.showPast`). */
  readonly view = new FrameRenderer(this.store);
  /** Bumped once per frame that changed anything: a cheap reactive signal for views that list the dishes. */
  readonly version = this.view.version;
  /** The restaurant shown: every connection, read and write goes to its routes. */
  readonly restaurant: ShallowRef<string>;
  /** Every restaurant of the deployment once GET /api/restaurants answered; empty until then (or from an older server). */
  readonly restaurants = shallowRef<readonly Restaurant[]>([]);
  readonly restaurantNotice = shallowRef<RestaurantNotice | undefined>();
  /** The API root: its routes serve `default`, and it lists the restaurants. */
  readonly #rootApi: DishApi;
  #api: DishApi;
  readonly status: ShallowRef<StatusView>;
  readonly choice: ShallowRef<TransportChoice>;
  readonly token = shallowRef<string | undefined>(savedToken());
  #client: DishClient | undefined;
  #clientStatus: ClientStatus | undefined;
  /** When the client said it would retry: the status bar counts down to it. */
  #retryAt: number | undefined;
  #statusTimer: ReturnType<typeof setInterval> | undefined;
  #instance: string | undefined;
  readonly #proof = new ProofTally();
  /** Snapshots taken since the page opened: a transport switch or a reconnect that resumed adds none. */
  snapshots = 0;

  constructor(
    readonly config: RuntimeConfig,
    choice: TransportChoice,
    restaurant: string = DEFAULT_RESTAURANT,
  ) {
    this.#rootApi = new DishApi(config.apiBase, () => this.token.value);
    this.#api = this.#apiFor(restaurant);
    this.restaurant = shallowRef(restaurant);
    this.choice = shallowRef(choice);
    this.status = shallowRef(this.#statusView());
  }

  /** The shown restaurant's routes (`/api/restaurants/{rid}/…`): the admin drawer's writes, chat over the API. */
  get api(): DishApi {
    return this.#api;
  }

  start(): void {
    this.#open();
    this.#statusTimer = setInterval(() => this.#refreshStatus(), STATUS_REFRESH_MS);
  }

  stop(): void {
    this.#closeClient();
    this.view.stop();
    if (this.#statusTimer !== undefined) clearInterval(this.#statusTimer);
  }

  /** Changes transport at run time: the store stays, the new connection resumes from its last id. */
  switchTransport(choice: TransportChoice): void {
    this.choice.value = choice;
    this.#reopen();
  }

  /**
   * Follows another restaurant: the old connection is closed first (whatever it still delivers is dropped), the store
   * is emptied at once so nothing of the old restaurant stays on screen, and the new connection starts from a snapshot.
   */
  switchRestaurant(restaurant: string): void {
    if (restaurant === this.restaurant.value) return;
    this.#closeClient();
    this.restaurant.value = restaurant;
    this.#api = this.#apiFor(restaurant);
    this.store.clear();
    this.#reopen();
  }

  /** What a URL names (back and forward): its restaurant and its transport, with one reconnect at most. */
  show(restaurant: string, choice: TransportChoice): void {
    const current = this.choice.value;
    const sameChoice = choice.transport === current.transport && choice.pollIntervalMs === current.pollIntervalMs;
    if (restaurant !== this.restaurant.value) {
      this.choice.value = choice;
      this.switchRestaurant(restaurant);
    } else if (!sameChoice) this.switchTransport(choice);
  }

  /** Reads the list of restaurants for the picker; undefined when the server would not say (one from before restaurants). */
  async loadRestaurants(): Promise<readonly Restaurant[] | undefined> {
    try {
      this.restaurants.value = await this.#rootApi.listRestaurants();
      return this.restaurants.value;
    } catch (err) {
      console.warn(`[dish-live] the list of restaurants could not be read: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  /** After the client gave up (a refusal it will not retry by itself): the same transport, resumed by hand. */
  reconnect(): void {
    this.switchTransport(this.choice.value);
  }

  /**
   * Calls `listener` in the frame after something changed, at most once per `minIntervalMs`: a chart whose update
   * animates for N ms gains nothing from being told more often, and each update costs it a full layout.
   */
  onFrame(listener: FrameListener, minIntervalMs = 0): () => void {
    return this.view.onFrame(listener, minIntervalMs);
  }

  /** Asks for a redraw even without new events (a control changed, the sales window slid). */
  requestFrame(): void {
    this.view.schedule();
  }

  setToken(token: string | undefined): void {
    this.token.value = token && token.trim() !== '' ? token.trim() : undefined;
    saveToken(this.token.value);
  }

  /**
   * Over WebSocket the line goes on the socket; otherwise (or when the socket is not open) through the API,
   * whose problem+json answer then reaches the user in words.
   */
  async sendChat(author: string, text: string): Promise<void> {
    if (this.choice.value.transport === 'ws' && this.#client) {
      try {
        await this.#client.sendChat(author, text);
        return;
      } catch {
        // the socket is between connections: the API still takes the line
      }
    }
    await this.api.postChat({ author, text });
  }

  #apiFor(restaurant: string): DishApi {
    return new DishApi(restaurantApiBase(this.config.apiBase, restaurant), () => this.token.value);
  }

  #closeClient(): void {
    const old = this.#client;
    this.#client = undefined;
    if (old) this.#proof.retire(old);
    old?.close();
  }

  #reopen(): void {
    this.#closeClient();
    this.#instance = undefined;
    this.#open();
    this.#refreshStatus();
  }

  #open(): void {
    const choice = this.choice.value;
    const client = connect({
      ...clientOptions(this.config, {
        restaurant: this.restaurant.value,
        transport: choice.transport,
        pollIntervalMs: choice.pollIntervalMs ?? this.config.pollIntervalMs,
        since: this.store.lastId,
        maxRate: DASHBOARD_MAX_RATE,
      }),
      store: this.store,
    });
    this.#client = client;
    this.#clientStatus = client.status;
    // A replaced client's late callbacks (its own close() reports 'offline') must not touch the current state.
    const current = () => this.#client === client;
    client.on('snapshot', (snapshot) => {
      if (!current()) return;
      this.snapshots++;
      if (snapshot.instance !== undefined) this.#instance = snapshot.instance;
      this.#refreshStatus();
    });
    client.on('resumed', (resumed) => {
      if (!current()) return;
      this.#instance = resumed.instance;
      this.#refreshStatus();
    });
    client.on('status', (status) => {
      if (!current()) return;
      this.#clientStatus = status;
      if (status.instance !== undefined) this.#instance = status.instance;
      this.#retryAt = status.state === 'reconnecting' && status.delayMs !== undefined ? Date.now() + status.delayMs : undefined;
      this.#refreshStatus();
    });
    client.on('resync', (info) => {
      if (!current()) return;
      this.#proof.resync(info);
      this.#refreshStatus();
    });
    client.on('error', (error) => console.warn(`[dish-live] the gateway answered ${error.code}: ${error.message}`));
  }

  #refreshStatus(): void {
    this.status.value = this.#statusView();
  }

  #statusView(): StatusView {
    const now = Date.now();
    return statusView({
      now,
      choice: this.choice.value,
      defaultPollIntervalMs: this.config.pollIntervalMs,
      stats: this.#client?.stats(),
      status: this.#clientStatus,
      latency: this.view.latency.percentiles(),
      retryAt: this.#retryAt,
      instance: this.#instance,
      // As of the moment shown: the timeline's past has a last change of its own.
      lastId: this.view.shown.lastId,
      eventsPerSecond: this.view.eventsPerSecond(now),
      snapshots: this.snapshots,
      proof: this.#proof.view(this.#client),
    });
  }
}
