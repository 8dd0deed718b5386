// The proof's digest of what a client is meant to hold at an id: from a view's dishes, rolled back through the events
// that came after that id when it is an earlier one.
import { stateDigest, type DigestedDish, type Dish, type DishEvent } from '@dish-live/protocol';

/** The part of a dish a digest and a filter need. `category` undefined: not known (only a filter cares). */
export interface DishMark {
  readonly version: number;
  readonly category: string | undefined;
}

/**
 * What the dish an event changed was just before it: null when it did not exist, undefined when that is not known
 * (and for events that change no dish).
 */
export type Undo = (event: DishEvent) => DishMark | null | undefined;

const dishIdOf = (event: DishEvent): string | undefined =>
  event.type === 'chat.message' ? undefined : event.type === 'dish.deleted' ? event.data.id : event.data.dish.id;

/** stateDigest of the dishes of `categories` (all when undefined). */
export function filteredDigest(dishes: Iterable<Dish>, categories: ReadonlySet<string> | undefined): string {
  if (!categories) return stateDigest(dishes);
  const kept: DigestedDish[] = [];
  for (const dish of dishes) if (categories.has(dish.category)) kept.push(dish);
  return stateDigest(kept);
}

/**
 * The dishes before a run of events, fed oldest first (the events that led to a view's dishes): a dish they touched is
 * as the first of them found it, so only that event's before-image is asked for, and what is kept is bounded by the
 * menu, however long the run.
 */
export class Rollback {
  readonly #before = new Map<string, DishMark | null>();
  #known = true;

  constructor(
    private readonly undo: Undo,
    private readonly categories: ReadonlySet<string> | undefined,
  ) {}

  /** Whether every before-image so far is known (a guess would make an honest client resynchronise, or pass a wrong state). */
  get known(): boolean {
    return this.#known;
  }

  add(event: DishEvent): void {
    const id = dishIdOf(event);
    if (id === undefined || this.#before.has(id) || !this.#known) return;
    const mark = this.undo(event);
    if (mark === undefined || (this.categories && mark && mark.category === undefined)) this.#known = false;
    else this.#before.set(id, mark);
  }

  /** The digest of `current` rolled back through what was added; undefined when a before-image was not known. */
  digest(current: ReadonlyMap<string, Dish>): string | undefined {
    if (!this.#known) return undefined;
    const { categories } = this;
    const kept: DigestedDish[] = [];
    for (const [id, dish] of current) {
      if (this.#before.has(id)) continue;
      if (!categories || categories.has(dish.category)) kept.push(dish);
    }
    for (const [id, mark] of this.#before) {
      if (mark && (!categories || categories.has(mark.category!))) kept.push({ id, version: mark.version });
    }
    return stateDigest(kept);
  }
}

/** The digest of the dishes of `categories` before `events`, oldest first; undefined when it is not known. */
export function digestBefore(
  current: ReadonlyMap<string, Dish>,
  events: Iterable<DishEvent>,
  undo: Undo,
  categories: ReadonlySet<string> | undefined,
): string | undefined {
  const rollback = new Rollback(undo, categories);
  for (const event of events) rollback.add(event);
  return rollback.digest(current);
}
