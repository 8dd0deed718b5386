// A hold on a live restaurant between admission and connection: while held, the restaurant is not released.
import type { LiveRestaurant } from './live-restaurant.js';
import type { Sink } from './transport.js';

/**
 * A hold on a loaded restaurant, granted at admission: the restaurant stays loaded until the lease becomes a
 * connection (the hub takes it) or is released (the client went away before that).
 */
export class RestaurantLease<S extends Sink = Sink> {
  #done = false;

  constructor(
    readonly live: LiveRestaurant<S>,
    /** Gives the hold back to the registry that granted it. */
    private readonly giveBack: () => void,
  ) {}

  get restaurant(): string {
    return this.live.id;
  }

  /** Gives the hold back; nothing once taken or released. */
  release(): void {
    if (this.#done) return;
    this.#done = true;
    this.giveBack();
  }

  /** The hub turns the hold into a connection's; false when the lease was already used. */
  take(): boolean {
    if (this.#done) return false;
    this.#done = true;
    return true;
  }
}
