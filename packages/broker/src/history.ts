// History by time: the state of a restaurant at a past moment, from the nearest checkpoint at or before it and the
// events after it (at most one checkpoint interval of them), never from the whole log.
import { compareStreamIds, ZERO_ID, type Dish } from '@dish-live/protocol';
import { entryPrev, flatToRecord, type StreamEntry } from './decode.js';
import type { BrokerKeys } from './keys.js';
import type { RedisClient } from './redis-client.js';

/** The state after the last event with `ts ≤ at`; `id` is that event's (or `0-0` before the first one). */
export interface StateAt {
  at: number;
  id: string;
  dishes: Dish[];
  /** Stream entries this answer read: at most a checkpoint interval (what the tests hold it to). */
  entriesRead: number;
}

/** `at` is older than the history the log still holds (trimmed by age, or by STREAM_MAXLEN before that). */
export class HistoryGoneError extends Error {
  constructor(readonly at: number) {
    super(`the log no longer holds the history at ${at}`);
    this.name = 'HistoryGoneError';
  }
}

export interface HistoryRead {
  redis: RedisClient;
  keys: BrokerKeys;
  /** Events between two checkpoints at most: the page size of the one read that normally suffices. */
  checkpointEvents: number;
  /** The newest event readers may see (`+`: all; with replicas required, the confirmed mark). */
  visibleEnd: string;
}

/** The largest stream id of the millisecond `ms`: the end bound that includes every event of that millisecond. */
const endOfMs = (ms: number) => `${ms}-18446744073709551615`;
/**
 * An event's id is never before its ts but may be a little after it (ts is read as its script starts): the events of
 * the next milliseconds are looked at, a few at a time, until one has `ts > at` (or this far past `at`).
 */
const TS_SKEW_MS = 1000;
const TAIL_PAGE = 8;

const earlier = (a: string, b: string) => (b !== '+' && compareStreamIds(b, a) < 0 ? b : a);

export async function readStateAt({ redis, keys, checkpointEvents, visibleEnd }: HistoryRead, at: number): Promise<StateAt> {
  const end = earlier(endOfMs(at), visibleEnd);
  const tailEnd = earlier(endOfMs(at + TS_SKEW_MS), visibleEnd);
  const hasTail = compareStreamIds(end, tailEnd) < 0;
  // The checkpoint (its id at or before `at` makes its ts so too) and the first page of the next milliseconds, which
  // does not depend on it, in one round trip.
  const [[checkpoint], firstTail] = await Promise.all([
    redis.xrevrange(keys.checkpoints, end, '-', 'COUNT', 1) as Promise<StreamEntry[]>,
    hasTail ? xrange(redis, keys.events, `(${end}`, tailEnd, TAIL_PAGE) : Promise.resolve([]),
  ]);
  const dishes = new Map<string, Dish>();
  let id = ZERO_ID;
  if (checkpoint) {
    id = checkpoint[0];
    for (const dish of JSON.parse(flatToRecord(checkpoint[1]).dishes ?? '[]') as Dish[]) dishes.set(dish.id, dish);
  }
  // Inclusive of the checkpoint's own event: its presence proves that every event after it is still there.
  const page = checkpointEvents + 1;
  let entries = await xrange(redis, keys.events, checkpoint ? id : '-', end, page);
  let entriesRead = entries.length;
  if (checkpoint) {
    if (entries[0]?.[0] !== id) throw new HistoryGoneError(at);
    entries = entries.slice(1);
  } else if (!(await startsAtFirstEvent(redis, keys, entries))) {
    throw new HistoryGoneError(at);
  }
  // More than a checkpoint interval only for a log older than its checkpoints (seeded later): read on, in pages.
  for (let more = entriesRead === page; more; ) {
    const next = await xrange(redis, keys.events, `(${entries.at(-1)![0]}`, end, page);
    entriesRead += next.length;
    entries.push(...next);
    more = next.length === page;
  }
  for (let tail = firstTail; tail.length > 0; ) {
    entriesRead += tail.length;
    const cut = tail.findIndex((entry) => Number(flatToRecord(entry[1]).ts) > at);
    entries.push(...(cut < 0 ? tail : tail.slice(0, cut)));
    if (cut >= 0 || tail.length < TAIL_PAGE) break;
    tail = await xrange(redis, keys.events, `(${tail.at(-1)![0]}`, tailEnd, TAIL_PAGE);
  }
  const fields = entries.map(([, flat]) => flatToRecord(flat));
  let upTo = fields.findIndex((f) => Number(f.ts) > at);
  if (upTo < 0) upTo = entries.length;
  if (upTo > 0) id = entries[upTo - 1]![0];
  applyNewestFirst(dishes, fields.slice(0, upTo));
  return { at, id, dishes: sortedById(dishes), entriesRead };
}

/**
 * The dishes as of event `id` (one still in the stream), from the nearest checkpoint at or before it and at most a
 * checkpoint interval of events: undefined when no checkpoint is at or before it (a log older than its checkpoints)
 * or its events are gone — never a walk through the whole log.
 */
export async function readStateAtId({ redis, keys, checkpointEvents }: Omit<HistoryRead, 'visibleEnd'>, id: string): Promise<Dish[] | undefined> {
  const [checkpoint] = (await redis.xrevrange(keys.checkpoints, id, '-', 'COUNT', 1)) as StreamEntry[];
  if (!checkpoint) return undefined;
  const entries = await xrange(redis, keys.events, checkpoint[0], id, checkpointEvents + 2);
  // The checkpoint's own event first (its presence proves every event after it is there), `id` last.
  if (entries[0]?.[0] !== checkpoint[0] || entries.at(-1)?.[0] !== id) return undefined;
  const dishes = new Map<string, Dish>();
  for (const dish of JSON.parse(flatToRecord(checkpoint[1]).dishes ?? '[]') as Dish[]) dishes.set(dish.id, dish);
  applyNewestFirst(dishes, entries.slice(1).map(([, flat]) => flatToRecord(flat)));
  return sortedById(dishes);
}

/** Newest first, each dish's latest event alone decides it: one JSON parse per dish, not one per event. */
function applyNewestFirst(dishes: Map<string, Dish>, fields: readonly Record<string, string>[]): void {
  const decided = new Set<string>();
  for (let i = fields.length - 1; i >= 0; i--) {
    const { type, data = '' } = fields[i]!;
    if (type === 'chat.message') continue;
    const dishId = dishIdOf(data);
    if (decided.has(dishId)) continue;
    decided.add(dishId);
    if (type === 'dish.deleted') dishes.delete(dishId);
    else dishes.set(dishId, (JSON.parse(data) as { dish: Dish }).dish);
  }
}

const sortedById = (dishes: Map<string, Dish>) => [...dishes.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** The dish an event's data names (lib.lua writes `{"dish":{"id":…` or, deleted, `{"id":…`), read without parsing it all. */
const DISH_ID = /^\{"(?:dish":\{")?id":("(?:[^"\\]|\\.)*")/;
function dishIdOf(data: string): string {
  const match = DISH_ID.exec(data);
  if (match) return JSON.parse(match[1]!) as string;
  const parsed = JSON.parse(data) as { id?: string; dish?: { id: string } };
  return parsed.dish?.id ?? parsed.id ?? '';
}

const xrange = async (redis: RedisClient, key: string, start: string, end: string, count: number) =>
  (await redis.xrange(key, start, end, 'COUNT', count)) as StreamEntry[];

/** Without a checkpoint before `at`, the state starts empty only if the log still starts at its very first event. */
async function startsAtFirstEvent(redis: RedisClient, keys: BrokerKeys, read: StreamEntry[]): Promise<boolean> {
  const first = read[0] ?? ((await redis.xrange(keys.events, '-', '+', 'COUNT', 1)) as StreamEntry[])[0];
  return !first || entryPrev(first) === ZERO_ID;
}


/**
 * The oldest moment `readStateAt` answers (ms), given the retention's floor: while the log starts at its first event
 * ever, that event's time; once trimmed, the oldest checkpoint whose own event is still held. Two reads, whatever the
 * history.
 */
export async function readHistoryStart(redis: RedisClient, keys: BrokerKeys, floor: number): Promise<number | undefined> {
  const [first] = await xrange(redis, keys.events, '-', '+', 1);
  if (!first) return undefined;
  if (entryPrev(first) === ZERO_ID) return Math.max(floor, Number(flatToRecord(first[1]).ts));
  const [checkpoint] = await xrange(redis, keys.checkpoints, first[0], '+', 1);
  return checkpoint ? Math.max(floor, Number(checkpoint[0].split('-')[0])) : undefined;
}
