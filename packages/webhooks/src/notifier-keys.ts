// Where the notifier keeps its place in each restaurant's log: the id of the last event whose alerts are queued and the
// stock of every dish as of that event, under the restaurant's hash tag so one MULTI moves both.
import { brokerKeys, type RedisClient } from '@dish-live/broker';

export function notifierKeys(prefix: string, restaurant: string) {
  const { base } = brokerKeys(prefix, restaurant);
  return {
    /** String: the id of the last event the notifier has queued every alert of. */
    position: `${base}notifier:position`,
    /** Hash: dish id → its stock after that event (a dish deleted by then is absent). */
    stock: `${base}notifier:stock`,
  };
}

/** The notifier's place in one restaurant's log. */
export interface FollowState {
  position: string;
  /** Dish id → stock as of `position`. */
  stock: Map<string, number>;
}

/** Dish id → its stock after a batch of events; undefined for a dish the batch deleted. */
export type StockChanges = ReadonlyMap<string, number | undefined>;

export class NotifierState {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix = '',
  ) {}

  /** The stored place, or undefined for a restaurant never followed (or released since). */
  async load(restaurant: string): Promise<FollowState | undefined> {
    const keys = notifierKeys(this.prefix, restaurant);
    const [[, position], [, stock]] = (await this.redis.multi().get(keys.position).hgetall(keys.stock).exec()) as [
      [null, string | null],
      [null, Record<string, string>],
    ];
    if (position === null) return undefined;
    return { position, stock: new Map(Object.entries(stock).map(([id, value]) => [id, Number(value)])) };
  }

  /** Starts afresh from a snapshot: every stock replaced, in one transaction with the position. */
  async reset(restaurant: string, state: FollowState): Promise<void> {
    const keys = notifierKeys(this.prefix, restaurant);
    const tx = this.redis.multi().del(keys.stock);
    if (state.stock.size > 0) tx.hset(keys.stock, Object.fromEntries(state.stock));
    await exec(tx.set(keys.position, state.position));
  }

  /**
   * Moves to `position` with the stocks a batch changed. Called only once the batch's jobs are queued: a crash
   * before leaves the old place, and the batch is read again (its jobs keep their ids, so none is queued twice).
   */
  async advance(restaurant: string, position: string, changes: StockChanges): Promise<void> {
    const keys = notifierKeys(this.prefix, restaurant);
    const set: Record<string, number> = {};
    const deleted: string[] = [];
    for (const [id, stock] of changes) {
      if (stock === undefined) deleted.push(id);
      else set[id] = stock;
    }
    const tx = this.redis.multi();
    if (deleted.length > 0) tx.hdel(keys.stock, ...deleted);
    if (Object.keys(set).length > 0) tx.hset(keys.stock, set);
    await exec(tx.set(keys.position, position));
  }

  /** Forgets a restaurant whose last webhook went: a webhook added later starts from its own registration. */
  async clear(restaurant: string): Promise<void> {
    const keys = notifierKeys(this.prefix, restaurant);
    await exec(this.redis.multi().del(keys.position, keys.stock));
  }
}

/** A MULTI's errors are its replies' first members: any of them fails the whole call. */
async function exec(tx: { exec(): Promise<[Error | null, unknown][] | null> }): Promise<void> {
  const replies = await tx.exec();
  if (replies === null) throw new Error('notifier state transaction aborted');
  for (const [err] of replies) if (err) throw err;
}
