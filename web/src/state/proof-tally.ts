// The proof the status bar shows: events verified, gaps and resyncs since the page opened, over every client it used.
import type { DishClient, ProofCounts, ResyncInfo } from '@dish-live/client';

export interface ProofView extends ProofCounts {
  /** The latest resync, while one is under way and after it recovered; undefined while there was none. */
  lastResync: ResyncInfo | undefined;
}

export class ProofTally {
  /** What the clients closed so far verified: a transport or restaurant switch loses none of it. */
  readonly #retired: ProofCounts = { verified: 0, gaps: 0, resyncs: 0 };
  #lastResync: ResyncInfo | undefined;

  /** A client about to be replaced: its counts stay in the tally. */
  retire(client: DishClient): void {
    const { verified, gaps, resyncs } = client.stats();
    this.#retired.verified += verified;
    this.#retired.gaps += gaps;
    this.#retired.resyncs += resyncs;
  }

  resync(info: ResyncInfo): void {
    this.#lastResync = info;
  }

  view(current: DishClient | undefined): ProofView {
    const stats = current?.stats();
    return {
      verified: this.#retired.verified + (stats?.verified ?? 0),
      gaps: this.#retired.gaps + (stats?.gaps ?? 0),
      resyncs: this.#retired.resyncs + (stats?.resyncs ?? 0),
      lastResync: this.#lastResync,
    };
  }
}
