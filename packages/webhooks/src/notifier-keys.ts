// Where the notifier keeps its place in each restaurant's log: the id of the last event whose alerts are queued, the
// stock of every dish as of that event, and which notifier follows the restaurant (a lease), all under the
// restaurant's hash tag so one script checks and moves them together.
import { brokerKeys, type RedisClient } from '@dish-live/broker';

export function notifierKeys(prefix: string, restaurant: string) {
  const { base } = brokerKeys(prefix, restaurant);
  return {
    /** String: the id of the last event the notifier has queued every alert of. */
    position: `${base}notifier:position`,
    /** Hash: dish id → its stock after that event (a dish deleted by then is absent). */
    stock: `${base}notifier:stock`,
    /** String with a TTL: the notifier process that follows the restaurant. */
    lease: `${base}notifier:lease`,
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

/** What taking the lease found: it was ours already, it was free (what we knew may be stale), or another holds it. */
export type LeaseOutcome = 'renewed' | 'taken' | 'held';

/**
 * Another notifier moved the place, or ours lapsed (a pause longer than the lease): what this one read is stale.
 * Nothing it queued is lost or doubled (job ids are the alerts'); it reads its place again.
 */
export class PlaceLostError extends Error {
  constructor(restaurant: string, why: 'lease' | 'moved') {
    super(why === 'lease' ? `${restaurant}: the lease passed to another notifier` : `${restaurant}: the place was moved by another notifier`);
    this.name = 'PlaceLostError';
  }
}

// KEYS[1] lease; ARGV[1] owner, ARGV[2] lease ms.
const TAKE = `local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 'held' end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if holder then return 'renewed' end
return 'taken'`;

// KEYS[1] position, KEYS[2] stock, KEYS[3] lease; ARGV[1] owner, ARGV[2] the position expected ('' = none stored),
// ARGV[3] the new position, ARGV[4] lease ms, ARGV[5] '1' to replace every stock, ARGV[6..] dish id, stock ('' = gone).
const MOVE = `if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 'lease' end
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[2] then return 'moved' end
if ARGV[5] == '1' then redis.call('DEL', KEYS[2]) end
for i = 6, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[2], ARGV[i]) else redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return 'ok'`;

// KEYS[1] position, KEYS[2] stock, KEYS[3] lease; ARGV[1] owner.
const CLEAR = `local holder = redis.call('GET', KEYS[3])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return 1`;

// KEYS[1] lease; ARGV[1] owner.
const LET_GO = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * One notifier's view of the places. Every change is a compare-and-set under the restaurant's lease: a second
 * notifier (a partition, a reschedule that overlaps) waits for the lease instead of overwriting the first one's place.
 */
export class NotifierState {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix = '',
    /** Names this process in the leases: unique per process, so a restarted one waits out its predecessor's lease. */
    private readonly owner = 'notifier',
    /** How long a lease outlives its last renewal: longer than any step (a page queued, a replica WAIT). */
    private readonly leaseMs = 10_000,
  ) {}

  /** Takes or renews the restaurant's lease. */
  async take(restaurant: string): Promise<LeaseOutcome> {
    return (await this.redis.eval(TAKE, 1, notifierKeys(this.prefix, restaurant).lease, this.owner, this.leaseMs)) as LeaseOutcome;
  }

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

  /** Starts afresh from a snapshot (every stock replaced), if the place is still `expected` (undefined: none). */
  async reset(restaurant: string, expected: string | undefined, state: FollowState): Promise<void> {
    await this.#move(restaurant, expected ?? '', state.position, true, state.stock);
  }

  /**
   * Moves from `expected` to `position` with the stocks a batch changed. Called only once the batch's jobs are queued:
   * a crash before leaves the old place, and the batch is read again (its jobs keep their ids, so none is queued twice).
   */
  async advance(restaurant: string, expected: string, position: string, changes: StockChanges): Promise<void> {
    await this.#move(restaurant, expected, position, false, changes);
  }

  /** Forgets a restaurant whose last webhook went (unless another notifier holds it): a later webhook starts afresh. */
  async clear(restaurant: string): Promise<void> {
    const keys = notifierKeys(this.prefix, restaurant);
    await this.redis.eval(CLEAR, 3, keys.position, keys.stock, keys.lease, this.owner);
  }

  /** Gives the lease up on a clean stop, so the next notifier need not wait it out. */
  async letGo(restaurant: string): Promise<void> {
    await this.redis.eval(LET_GO, 1, notifierKeys(this.prefix, restaurant).lease, this.owner);
  }

  async #move(restaurant: string, expected: string, position: string, replace: boolean, stock: StockChanges): Promise<void> {
    const keys = notifierKeys(this.prefix, restaurant);
    const pairs: string[] = [];
    for (const [id, value] of stock) pairs.push(id, value === undefined ? '' : String(value));
    const outcome = (await this.redis.eval(
      MOVE, 3, keys.position, keys.stock, keys.lease, this.owner, expected, position, this.leaseMs, replace ? '1' : '0', ...pairs,
    )) as 'ok' | 'lease' | 'moved';
    if (outcome !== 'ok') throw new PlaceLostError(restaurant, outcome);
  }
}
