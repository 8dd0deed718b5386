// The event log: every write (dish state + stream + publish in one script call) and every read of it.
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  bucketStart,
  compareStreamIds,
  isStreamId,
  LIMITS,
  ZERO_ID,
  type ChatMessageEvent,
  type ChatInput,
  type CreateDish,
  type Dish,
  type DishEvent,
  type OrderItem,
  type PatchDish,
  type SalesBucket,
  type SalesPage,
  type Snapshot,
} from '@dish-live/protocol';
import { bucketFromHash, dishFromHash, entryPrev, envelopeJson, eventFromEntry, flatToRecord, type StreamEntry } from './decode.js';
import { DishExistsError, DishNotFoundError, OrderMismatchError, ReplicationTimeoutError, VersionConflictError } from './errors.js';
import { HistoryGoneError, readHistoryStart, readStateAt, readStateAtId, type StateAt } from './history.js';
import { brokerKeys, type BrokerKeys } from './keys.js';
import type { RedisClient } from './redis-client.js';
import { defineScripts, type Reply, type ScriptClient, type ScriptName, type ScriptPipeline } from './scripts.js';

export interface EventLogOptions {
  /** The deployment's key prefix (tests use their own). */
  prefix?: string;
  /** The restaurant whose log this is (default: `default`). */
  restaurant?: string;
  /** Approximate number of events the stream keeps (`MAXLEN ~`). */
  streamMaxLen?: number;
  /** Width of a sales bucket of the line chart. */
  salesBucketMs?: number;
  /** How long sales buckets are kept. */
  salesRetentionMs?: number;
  /** How long an order's outcome is kept (asking again with the same orderId answers it until then). */
  orderRetentionMs?: number;
  /** The sales history a snapshot carries: the span the dashboard draws. */
  snapshotSalesWindowMs?: number;
  /**
   * WRITE_MIN_REPLICAS / WRITE_REPLICA_TIMEOUT_MS: with replicas required, a write is acknowledged and published only
   * once that many replicas hold it, and reads (snapshots, replays, gap fills) see only such events.
   */
  durability?: { minReplicas: number; replicaTimeoutMs: number };
  /** HISTORY_RETENTION_MS: how far back `stateAt` answers; the stream is trimmed by age to it (STREAM_MAXLEN still bounds it). */
  historyRetentionMs?: number;
  /** A checkpoint of the state every this many events or `checkpointMs`, whichever first. */
  checkpointEvents?: number;
  checkpointMs?: number;
}

export type OrderOutcome =
  | { orderId: string; status: 'applied'; items: OrderItem[]; events: string[]; at: number }
  | { orderId: string; status: 'rejected'; reason: 'unknown_dish' | 'out_of_stock'; dishId: string; at: number };

/** An order's outcome as stored: the answer, and the fingerprint of the items it was placed with (none before it was kept). */
export interface StoredOutcome {
  outcome: OrderOutcome;
  fingerprint?: string;
}

export type ReplayResult<E = DishEvent> = { recovered: true; events: E[]; last: string; more: boolean } | { recovered: false };

const DEFAULT_STREAM_MAXLEN = 100_000;
const DEFAULT_SALES_BUCKET_MS = 10_000;
const DEFAULT_SALES_RETENTION_MS = 24 * 3600_000;
const DEFAULT_ORDER_RETENTION_MS = 7 * 24 * 3600_000;
const DEFAULT_HISTORY_RETENTION_MS = 24 * 3600_000;
const DEFAULT_CHECKPOINT_EVENTS = 250;
const DEFAULT_CHECKPOINT_MS = 5 * 60_000;
/** Closed sales buckets never change, so pages of history are served from memory once read (bounded). */
const CLOSED_BUCKET_CACHE = 20_000;

export class EventLog {
  readonly keys: BrokerKeys;
  readonly streamMaxLen: number;
  readonly salesBucketMs: number;
  readonly salesRetentionMs: number;
  readonly orderRetentionMs: number;
  readonly snapshotSalesWindowMs: number;
  readonly historyRetentionMs: number;
  readonly checkpointEvents: number;
  readonly checkpointMs: number;
  /** The history mirror filled (seed-history.lua) before this process's first write: once per log. */
  #historySeeded: Promise<void> | undefined;
  readonly #redis: ScriptClient;
  readonly #closedBuckets = new Map<number, SalesBucket>();
  /** Replicas a write waits for (0: none, and scripts publish their events themselves). */
  readonly #minReplicas: number;
  readonly #replicaTimeoutMs: number;

  constructor(redis: RedisClient, options: EventLogOptions = {}) {
    this.keys = brokerKeys(options.prefix, options.restaurant);
    this.streamMaxLen = options.streamMaxLen ?? DEFAULT_STREAM_MAXLEN;
    this.salesBucketMs = options.salesBucketMs ?? DEFAULT_SALES_BUCKET_MS;
    this.salesRetentionMs = options.salesRetentionMs ?? DEFAULT_SALES_RETENTION_MS;
    this.orderRetentionMs = options.orderRetentionMs ?? DEFAULT_ORDER_RETENTION_MS;
    this.snapshotSalesWindowMs = options.snapshotSalesWindowMs ?? LIMITS.snapshotSalesWindowMs;
    this.historyRetentionMs = options.historyRetentionMs ?? DEFAULT_HISTORY_RETENTION_MS;
    this.checkpointEvents = options.checkpointEvents ?? DEFAULT_CHECKPOINT_EVENTS;
    this.checkpointMs = options.checkpointMs ?? DEFAULT_CHECKPOINT_MS;
    this.#redis = defineScripts(redis);
    this.#minReplicas = options.durability?.minReplicas ?? 0;
    this.#replicaTimeoutMs = options.durability?.replicaTimeoutMs ?? 1000;
  }

  /** The channel the scripts publish on; none with replicas required (published once confirmed instead). */
  get #scriptChannel(): string {
    return this.#minReplicas > 0 ? '' : this.keys.channel;
  }

  async createDish(input: CreateDish): Promise<Dish> {
    const id = input.id ?? randomUUID().slice(0, 8);
    const reply = await this.#writeDish('create', id, '', [
      'name', input.name, 'category', input.category, 'price', String(input.price), 'stock', String(input.stock),
    ]);
    return dishFromJson(reply);
  }

  async updateDish(id: string, patch: PatchDish, ifVersion?: number): Promise<Dish> {
    const fields: string[] = [];
    for (const [key, value] of Object.entries(patch)) if (value !== undefined) fields.push(key, String(value));
    return dishFromJson(await this.#writeDish('update', id, ifVersion === undefined ? '' : String(ifVersion), fields));
  }

  async deleteDish(id: string, ifVersion?: number): Promise<void> {
    await this.#writeDish('delete', id, ifVersion === undefined ? '' : String(ifVersion), []);
  }

  /**
   * Applies a whole order or none of it; the outcome for an orderId is final. Items of the same dish are summed.
   * The same orderId with other items is refused (OrderMismatchError) and changes nothing.
   */
  async applyOrder(orderId: string, items: readonly OrderItem[]): Promise<{ outcome: OrderOutcome; replayed: boolean }> {
    const qtyByDish = sumByDish(items);
    const k = this.keys;
    const dishKeys = [...qtyByDish.keys()].map((id) => k.dish(id));
    const pairs = [...qtyByDish].flatMap(([id, qty]) => [id, String(qty)]);
    // The sale's bucket is Redis's clock's: ours is only a guess the script corrects (a cluster needs the key named).
    let bucket = bucketStart(Date.now(), this.salesBucketMs);
    let reply: [string, string];
    for (let attempt = 0; ; attempt++) {
      reply = (await this.#write('dishLiveApplyOrder', [
        8 + dishKeys.length,
        k.events, k.last, k.order(orderId), k.salesIndex, k.salesBucket(bucket), ...this.#historyKeys, ...dishKeys,
        this.#scriptChannel, this.streamMaxLen, orderId, salesPrefix(k), this.salesBucketMs, this.salesRetentionMs, this.orderRetentionMs,
        orderFingerprint(items), ...this.#historyArgs, ...pairs,
      ], (r) => ((r as string[])[0] === 'new' ? newestOrderEvent((r as string[])[1]!) : undefined))) as [string, string];
      if (reply[0] !== 'bucket' || attempt >= STALE_RETRIES) break;
      bucket = Number(reply[1]);
    }
    if (reply[0] === 'bucket') throw new Error(`order ${orderId}: the sales bucket kept moving`);
    if (reply[0] === 'mismatch') throw new OrderMismatchError(orderId);
    const { outcome } = storedOutcome(reply[1]);
    // Asked again after a 503: its events may still wait for replicas, and its answer must not come before them.
    if (reply[0] === 'existing' && outcome.status === 'applied') await this.#awaitReplicasOf(outcome.events.at(-1));
    return { outcome, replayed: reply[0] === 'existing' };
  }

  async orderOutcome(orderId: string): Promise<StoredOutcome | undefined> {
    const json = await this.#redis.get(this.keys.order(orderId));
    return json ? storedOutcome(json) : undefined;
  }

  async appendChat(chat: ChatInput): Promise<DishEvent> {
    const data = { author: chat.author, text: chat.text };
    const k = this.keys;
    const [id, prev, ts] = (await this.#write(
      'dishLiveAppendEvent',
      [
        k.events, k.last, k.chatRecent, ...this.#historyKeys,
        this.#scriptChannel, this.streamMaxLen, 'chat.message', JSON.stringify(data), LIMITS.recentChat, ...this.#historyArgs,
      ],
      (r) => (r as string[])[0],
    )) as [string, string, string];
    return { id, prev, type: 'chat.message', ts: Number(ts), data };
  }

  async getDish(id: string): Promise<Dish | undefined> {
    const h = await this.#redis.hgetall(this.keys.dish(id));
    return h.id ? dishFromHash(h) : undefined;
  }

  /** Whether its Redis connection is up (commands would be sent now, not queued). */
  get ready(): boolean {
    return this.#redis.status === 'ready';
  }

  /**
   * Events between two stream bounds (XRANGE's: an id, `(id` for after it, `-`/`+` for the ends), at most `count`,
   * in stream order: the one read of the stream behind replays and the live feed's gap fills alike.
   */
  async range(start: string, end: string, count: number): Promise<DishEvent[]> {
    return (await this.#entries(start, end === '+' ? await this.#visibleEnd() : end, count)).map(eventFromEntry);
  }

  /** The end of the stream readers may see: all of it, or with replicas required up to the confirmed mark. */
  async #visibleEnd(): Promise<string> {
    return this.#minReplicas === 0 ? '+' : this.lastId();
  }

  async #entries(start: string, end: string, count: number): Promise<StreamEntry[]> {
    return this.#redis.xrange(this.keys.events, start, end, 'COUNT', count);
  }

  /** The newest event readers may see: the last one, or with replicas required the last one they confirmed. */
  async lastId(): Promise<string> {
    if (this.#minReplicas === 0) return (await this.#redis.get(this.keys.last)) ?? ZERO_ID;
    const [confirmed, last] = await this.#redis.mget(this.keys.confirmed, this.keys.last);
    // No mark yet: a log written before replicas were required, all of it as confirmed as it will ever be.
    return confirmed ?? last ?? ZERO_ID;
  }

  /**
   * Runs a write script. With replicas required, WAIT follows it in the same pipeline (the same connection, right
   * after it, so it covers it) and its events are published once confirmed; too few replicas in time throws
   * ReplicationTimeoutError and publishes nothing. `newest` picks the newest event id out of the reply (none: no event).
   */
  async #write(script: ScriptName, args: (string | number)[], newest: (reply: Reply) => string | undefined): Promise<Reply> {
    await this.#seedHistory();
    if (this.#minReplicas === 0) return this.#redis[script](...args);
    const [[err, reply], [waitErr, replicas]] = (await this.#withWait((p) => p[script](...args))) as [[Error | null, Reply], [Error | null, number]];
    if (err) throw err;
    const id = newest(reply);
    if (id === undefined) return reply;
    if (waitErr) throw waitErr;
    if (replicas < this.#minReplicas) throw new ReplicationTimeoutError(this.keys.restaurant, replicas, this.#minReplicas);
    await this.#publishConfirmed(id);
    return reply;
  }

  /**
   * One write and a WAIT for it, in one pipeline: on a cluster both go to the write's slot owner, on one connection.
   * A write refused because its slot is moving (MOVED, ASK, TRYAGAIN) did not run, while the keyless WAIT did not
   * fail, so ioredis does not redirect the pipeline itself: it is sent again once the slot map caught up.
   */
  async #withWait(write: (pipeline: ScriptPipeline) => unknown): Promise<[Error | null, unknown][]> {
    for (let attempt = 0; ; attempt++) {
      const pipeline = this.#redis.pipeline() as ScriptPipeline;
      write(pipeline);
      pipeline.wait(this.#minReplicas, this.#replicaTimeoutMs);
      const replies = (await pipeline.exec()) as [Error | null, unknown][];
      const err = replies[0]?.[0];
      if (!err || !SLOT_MOVING.test(err.message) || attempt >= REDIRECT_RETRIES) return replies;
      await sleep(REDIRECT_DELAY_MS * (attempt + 1));
    }
  }

  /**
   * An event written earlier, perhaps by another connection whose WAIT timed out: a small write of this connection on
   * the restaurant's slot comes after it in the replication stream, so a WAIT on that covers it too.
   */
  async #awaitReplicasOf(id: string | undefined): Promise<void> {
    if (this.#minReplicas === 0 || id === undefined) return;
    if (compareStreamIds(await this.lastId(), id) >= 0) return;
    const [, [waitErr, replicas]] = (await this.#withWait((p) => p.incr(`${this.keys.base}dish:fence`))) as [[Error | null, unknown], [Error | null, number]];
    if (waitErr) throw waitErr;
    if (replicas < this.#minReplicas) throw new ReplicationTimeoutError(this.keys.restaurant, replicas, this.#minReplicas);
    await this.#publishConfirmed(id);
  }

  /** Publishes, in order, every event up to `id` not yet published, and moves the confirmed mark there. */
  async #publishConfirmed(id: string): Promise<void> {
    const k = this.keys;
    for (;;) {
      const mark = String(await this.#redis.dishLiveConfirm(k.events, k.confirmed, k.channel, id, CONFIRM_PAGE));
      if (mark === ZERO_ID || compareStreamIds(mark, id) >= 0) return;
    }
  }

  /**
   * With replicas required, a read that saw the state as of `id` is served only once `id` is confirmed: the writes
   * in flight confirm within the replica timeout, or the read fails (503) rather than show what a failover could take
   * back.
   */
  async #confirmedAt(id: string): Promise<void> {
    if (this.#minReplicas === 0) return;
    const deadline = Date.now() + this.#replicaTimeoutMs;
    while (compareStreamIds(await this.lastId(), id) < 0) {
      if (Date.now() > deadline) throw new ReplicationTimeoutError(this.keys.restaurant, 0, this.#minReplicas);
      await sleep(5);
    }
  }

  get #historyKeys(): string[] {
    return [this.keys.historyDishes, this.keys.historyMeta, this.keys.checkpoints];
  }

  get #historyArgs(): number[] {
    return [this.historyRetentionMs, this.checkpointEvents, this.checkpointMs];
  }

  /** A log older than its history mirror (or moved in by the upgrade) gets it filled once, before it is written. */
  #seedHistory(): Promise<void> {
    const k = this.keys;
    this.#historySeeded ??= this.#withDishKeys((dishKeys) =>
      this.#redis.dishLiveSeedHistory(6 + dishKeys.length, k.events, k.last, k.dishIndex, ...this.#historyKeys, ...dishKeys, dishPrefix(k)),
    ).then(
      () => undefined,
      (err: unknown) => {
        this.#historySeeded = undefined;
        throw err;
      },
    );
    return this.#historySeeded;
  }

  /**
   * The state after the last event with `ts ≤ at`, from the nearest checkpoint and at most a checkpoint interval of
   * events. HistoryGoneError when `at` is older than the retention or than what the log still holds.
   */
  async stateAt(at: number, now = Date.now()): Promise<StateAt> {
    if (at < now - this.historyRetentionMs) throw new HistoryGoneError(at);
    const visibleEnd = await this.#visibleEnd();
    return readStateAt({ redis: this.#redis, keys: this.keys, checkpointEvents: this.checkpointEvents, visibleEnd }, at);
  }

  /** The oldest moment `stateAt` answers; undefined when none (an empty log, or nothing answerable left). */
  async historyStart(now = Date.now()): Promise<number | undefined> {
    return readHistoryStart(this.#redis, this.keys, now - this.historyRetentionMs);
  }

  /** The dishes as of event `id`, from the nearest checkpoint (bounded work); undefined when that cannot be known so. */
  async dishesAt(id: string): Promise<Dish[] | undefined> {
    return readStateAtId({ redis: this.#redis, keys: this.keys, checkpointEvents: this.checkpointEvents }, id);
  }

  /** Every dish and the id of the last event they include, read atomically (no sales, no chat). */
  async dishes(): Promise<{ id: string; dishes: Dish[] }> {
    const k = this.keys;
    const [last, dishes] = (await this.#withDishKeys((dishKeys) =>
      this.#redis.dishLiveReadDishes(2 + dishKeys.length, k.last, k.dishIndex, ...dishKeys, dishPrefix(k)),
    )) as [string, string[][]];
    await this.#confirmedAt(last);
    return { id: last, dishes: dishes.map((flat) => dishFromHash(flatToRecord(flat))).sort(byId) };
  }

  /**
   * Runs a read script with the key of every dish declared, as a cluster requires: the id set is read first; when the script
   * finds a dish created in between (`stale`, which only a write racing the read causes) it answers the set it found.
   */
  async #withDishKeys(read: (dishKeys: string[]) => Promise<Reply>): Promise<Reply[]> {
    let ids = await this.#redis.smembers(this.keys.dishIndex);
    for (let attempt = 0; ; attempt++) {
      const reply = (await read(ids.map((id) => this.keys.dish(id)))) as Reply[];
      if (reply[0] !== 'stale') return reply;
      if (attempt >= STALE_RETRIES) throw new Error(`restaurant ${this.keys.restaurant}: the menu kept changing during a read`);
      // The script answered the set as it found it: the next try names exactly those.
      ids = reply[1] as string[];
    }
  }

  /**
   * Dishes, the sales of the snapshot window, the recent chat and the id of the last event they include, consistent
   * with each other. One script reads what can still change (dishes, the open buckets, chat, the last id); the closed
   * buckets of the window, which never change, come from memory or one pipelined read. Its cost is bounded by the
   * menu, the window and the chat cap, not by how long the log has run.
   */
  async snapshot(now = Date.now()): Promise<Snapshot> {
    const k = this.keys;
    const oldest = now - this.snapshotSalesWindowMs;
    const maxBuckets = Math.ceil(this.snapshotSalesWindowMs / this.salesBucketMs) + 1;
    // The buckets Redis may still count sales in, by our clock give or take a bucket of skew: declared, as a cluster
    // requires; a clock further off makes the script answer `stale`, and the read is tried again.
    const current = bucketStart(Date.now(), this.salesBucketMs);
    const openKeys = [-2, -1, 0, 1].map((n) => k.salesBucket(current + n * this.salesBucketMs));
    const [last, dishes, starts, open, chat] = (await this.#withDishKeys((dishKeys) =>
      this.#redis.dishLiveReadSnapshot(
        4 + openKeys.length + dishKeys.length,
        k.last, k.dishIndex, k.salesIndex, k.chatRecent, ...openKeys, ...dishKeys,
        dishPrefix(k), salesPrefix(k), String(oldest), maxBuckets, LIMITS.recentChat, this.salesBucketMs, openKeys.length,
      ),
    )) as [string, string[][], string[], (string | string[])[], string[]];
    await this.#confirmedAt(last);
    const openBuckets = new Map<number, SalesBucket>();
    for (let i = 0; i + 1 < open.length; i += 2) {
      const t = Number(open[i]);
      openBuckets.set(t, bucketFromHash(t, flatToRecord(open[i + 1] as string[])));
    }
    const closed = await this.#closedBucketsAt(starts.map(Number).filter((t) => !openBuckets.has(t)));
    const buckets = starts.map((s) => openBuckets.get(Number(s)) ?? closed.get(Number(s))!).reverse();
    return {
      id: last,
      dishes: dishes.map((flat) => dishFromHash(flatToRecord(flat))).sort(byId),
      sales: { bucketMs: this.salesBucketMs, buckets },
      chat: chat.map((json) => JSON.parse(json) as ChatMessageEvent).reverse(),
    };
  }

  /**
   * The events after `since`, up to `limit`. Recovered when `since` is the current last id, an id still in the
   * stream, or "0-0" while the stream still starts at the first event ever written; anything else is not.
   */
  async replay(since: string, limit = 1000): Promise<ReplayResult> {
    return this.#replay(since, limit, eventFromEntry);
  }

  /**
   * As `replay`, each event as its wire JSON exactly as it was published: nothing parsed or serialized again. `until`
   * (an id read with the state, as `dishes` answers it) ends the read there, so the page and that state agree.
   */
  async replayJson(since: string, limit = 1000, until?: string): Promise<ReplayResult<string>> {
    return this.#replay(since, limit, envelopeJson, until);
  }

  async #replay<E>(since: string, limit: number, decode: (entry: StreamEntry) => E, until?: string): Promise<ReplayResult<E>> {
    if (!isStreamId(since)) return { recovered: false };
    // One read, inclusive of `since` (its presence proves the window still covers it: an id trimmed away, between
    // entries or in the future is not found) and one past the limit (`more`).
    const read = await this.#entries(since, until ?? (await this.#visibleEnd()), since === ZERO_ID ? limit + 1 : limit + 2);
    const first = read[0];
    let entries: StreamEntry[];
    if (since === ZERO_ID) {
      // From the very start: only while the stream still holds the first event ever written (or none yet).
      if (first && entryPrev(first) !== ZERO_ID) return { recovered: false };
      entries = read;
    } else {
      if (first?.[0] !== since) return { recovered: false };
      entries = read.slice(1);
    }
    const more = entries.length > limit;
    if (more) entries = entries.slice(0, limit);
    return { recovered: true, events: entries.map(decode), last: entries.at(-1)?.[0] ?? since, more };
  }

  /**
   * One page of sales history: the buckets with `from ≤ t < to`, oldest first, at most `limit`; `next` is where the
   * following page starts when this one was cut. Closed buckets come from memory once read, so paging through a day
   * costs Redis one index read per page after the first pass.
   */
  async salesPage(from: number, to: number, limit: number = LIMITS.salesPage.default, now = Date.now()): Promise<SalesPage> {
    const k = this.keys;
    const starts = (await this.#redis.zrangebyscore(k.salesIndex, from, `(${to}`, 'LIMIT', 0, limit + 1)).map(Number);
    const next = starts.length > limit ? starts[limit] : undefined;
    const page = starts.slice(0, limit);
    // Closed once its span, and a bucket's worth of clock skew between Redis and us, has passed.
    const closedBefore = now - 2 * this.salesBucketMs;
    const closed = await this.#closedBucketsAt(page.filter((t) => t < closedBefore));
    const open = await this.#readBuckets(page.filter((t) => t >= closedBefore));
    const buckets = page.map((t) => closed.get(t) ?? open.get(t)!);
    return { bucketMs: this.salesBucketMs, from, to, buckets, ...(next === undefined ? {} : { next }) };
  }

  /** Buckets that can no longer change: from memory, the rest in one pipelined read and kept. */
  async #closedBucketsAt(starts: readonly number[]): Promise<Map<number, SalesBucket>> {
    const found = new Map<number, SalesBucket>();
    const missing: number[] = [];
    for (const t of starts) {
      const bucket = this.#closedBuckets.get(t);
      if (bucket) found.set(t, bucket);
      else missing.push(t);
    }
    for (const bucket of (await this.#readBuckets(missing)).values()) {
      this.#cacheClosed(bucket);
      found.set(bucket.t, bucket);
    }
    return found;
  }

  async #readBuckets(starts: readonly number[]): Promise<Map<number, SalesBucket>> {
    const read = new Map<number, SalesBucket>();
    if (starts.length === 0) return read;
    const pipeline = this.#redis.pipeline();
    for (const t of starts) pipeline.hgetall(this.keys.salesBucket(t));
    const replies = (await pipeline.exec()) ?? [];
    starts.forEach((t, i) => {
      const [err, hash] = replies[i] ?? [];
      if (err) throw err;
      read.set(t, bucketFromHash(t, hash as Record<string, string>));
    });
    return read;
  }

  #cacheClosed(bucket: SalesBucket): void {
    this.#closedBuckets.set(bucket.t, bucket);
    if (this.#closedBuckets.size > CLOSED_BUCKET_CACHE) {
      this.#closedBuckets.delete(this.#closedBuckets.keys().next().value!);
    }
  }

  async #writeDish(op: 'create' | 'update' | 'delete', id: string, ifVersion: string, fields: string[]): Promise<string> {
    const k = this.keys;
    const reply = (await this.#write(
      'dishLiveWriteDish',
      [
        k.dish(id), k.dishIndex, k.events, k.last, ...this.#historyKeys,
        this.#scriptChannel, this.streamMaxLen, op, id, ifVersion, ...this.#historyArgs, ...fields,
      ],
      (r) => ((r as Reply[])[0] === 'ok' ? ((r as Reply[])[2] as string) : undefined),
    )) as Reply[];
    switch (reply[0]) {
      case 'ok':
        return reply[1] as string;
      case 'not_found':
        throw new DishNotFoundError(id);
      case 'exists':
        throw new DishExistsError(id);
      default:
        throw new VersionConflictError(id, Number(ifVersion), Number(reply[1]));
    }
  }
}

/** Errors of a command sent to a node that does not (or not yet, or no longer) own its slot: it was not run. */
const SLOT_MOVING = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /;
/** A slot moves (failover, migration) within a few node timeouts: tries spread over about 5 s, then the error stands. */
const REDIRECT_RETRIES = 9;
const REDIRECT_DELAY_MS = 100;

/** Events one confirm call publishes at most (a backlog left by timed-out writes goes out in such pages). */
const CONFIRM_PAGE = 1000;

/** The newest event of a stored order outcome (none for a rejected order). */
function newestOrderEvent(json: string): string | undefined {
  const { outcome } = storedOutcome(json);
  return outcome.status === 'applied' ? outcome.events.at(-1) : undefined;
}

/** How often a read or an order is tried again when the keys it declared were not the ones it needed. */
const STALE_RETRIES = 10;
const dishPrefix = (k: BrokerKeys) => `${k.base}dish:`;
const salesPrefix = (k: BrokerKeys) => `${k.base}sales:`;

const byId = (a: Dish, b: Dish) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function sumByDish(items: readonly OrderItem[]): Map<string, number> {
  const qtyByDish = new Map<string, number>();
  for (const { dishId, qty } of items) qtyByDish.set(dishId, (qtyByDish.get(dishId) ?? 0) + qty);
  return qtyByDish;
}

/** What makes two orders the same: their quantities per dish, whatever the order or split of the items. */
export function orderFingerprint(items: readonly OrderItem[]): string {
  const lines = [...sumByDish(items)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, qty]) => `${id}:${qty}`);
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 32);
}

function storedOutcome(json: string): StoredOutcome {
  const { fingerprint, ...outcome } = JSON.parse(json) as OrderOutcome & { fingerprint?: string };
  return fingerprint === undefined ? { outcome } : { outcome, fingerprint };
}

function dishFromJson(json: string): Dish {
  return JSON.parse(json) as Dish;
}
