// The history tests' own record of what they wrote: every change with the ts its event got, so the state at any
// moment is a fold of the record, computed without the log the service answers from.
import type { EventLog } from '@dish-live/broker';
import type { Dish } from '@dish-live/protocol';

interface Change {
  ts: number;
  apply(state: Map<string, Dish>): void;
}

export class HistoryRecorder {
  readonly changes: Change[] = [];
  readonly #now = new Map<string, Dish>();

  constructor(
    private readonly log: EventLog,
    /** The ts of the newest event in the log (for a delete, whose answer carries none). */
    private readonly newestTs: () => Promise<number>,
  ) {}

  /** The dishes after every change with `ts ≤ at`, sorted by id as the answers are. */
  stateAt(at: number): Dish[] {
    const state = new Map<string, Dish>();
    for (const change of this.changes) if (change.ts <= at) change.apply(state);
    return [...state.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** `count` writes of every kind (create, update, order, chat, delete), each awaited: the order Redis applies them in. */
  async write(count: number, menu = 12): Promise<void> {
    const log = this.log;
    for (let i = 0; i < count; i++) {
      const id = `d${i % menu}`;
      const current = this.#now.get(id);
      const step = i % 10;
      if (!current) {
        this.#set(await log.createDish({ id, name: `Dish ${id}`, category: `c${i % 4}`, price: 100 + (i % 997), stock: 100_000 }));
      } else if (step === 9 && i % 3 === 0) {
        await log.deleteDish(id);
        this.#now.delete(id);
        this.changes.push({ ts: await this.newestTs(), apply: (s) => s.delete(id) });
      } else if (step % 3 === 0) {
        const { outcome } = await log.applyOrder(`o-${i}`, [{ dishId: id, qty: 1 }]);
        if (outcome.status !== 'applied') throw new Error(`order o-${i} was ${outcome.status}`);
        this.#set({ ...current, stock: current.stock - 1, sold: current.sold + 1, version: current.version + 1, updatedAt: outcome.at });
      } else if (step === 4) {
        const event = await log.appendChat({ author: 'kitchen', text: `note ${i}` });
        this.changes.push({ ts: event.ts, apply: () => undefined });
      } else {
        this.#set(await log.updateDish(id, { price: 200 + (i % 991) }));
      }
    }
  }

  #set(dish: Dish): void {
    this.#now.set(dish.id, dish);
    this.changes.push({ ts: dish.updatedAt, apply: (s) => s.set(dish.id, dish) });
  }
}
