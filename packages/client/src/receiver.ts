// What the client does with each server message: apply it to the store, check its link or its digest, and tell.
import type { ChatMessageEvent, CheckMessage, DishEvent, ErrorMessage, PongMessage, StateMessage } from '@dish-live/protocol';
import { isEventType, isStreamId } from '@dish-live/protocol/wire';
import type { ClientEvents, SnapshotInfo } from './client-api.js';
import type { Emitter } from './emitter.js';
import type { LatencyTracker } from './latency.js';
import { brokenLink, compareDigest, eventsInState, type Proof, type ResyncReason } from './proof.js';
import type { DishStore } from './store.js';

/** What only the connection's owner can do: go live, start a resync, end one. */
export interface ReceiverHooks {
  live(instance: string | undefined): void;
  resync(reason: ResyncReason, detail: string): void;
  settled(via: 'resumed' | 'snapshot'): void;
}

export interface ReceiverParts {
  store: DishStore;
  proof: Proof;
  latency: LatencyTracker;
  emitter: Emitter<ClientEvents>;
  /** Shared with the client's own counts (reconnects, requests, bytes), which stats() reports together. */
  counts: { events: number; duplicates: number; snapshots: number };
  now: () => number;
}

export class Receiver {
  readonly store: DishStore;
  readonly #proof: Proof;
  readonly #latency: LatencyTracker;
  readonly #emitter: Emitter<ClientEvents>;
  readonly #counts: ReceiverParts['counts'];
  readonly #now: () => number;
  readonly #hooks: ReceiverHooks;

  constructor(parts: ReceiverParts, hooks: ReceiverHooks) {
    this.store = parts.store;
    this.#proof = parts.proof;
    this.#latency = parts.latency;
    this.#emitter = parts.emitter;
    this.#counts = parts.counts;
    this.#now = parts.now;
    this.#hooks = hooks;
  }

  /** Checks a digest given for `id`; false when it disagreed, the resync then under way. */
  #agrees(id: string, digest: unknown): boolean {
    const verdict = compareDigest(this.store, id, digest);
    if (verdict?.agrees === false) {
      this.#hooks.resync('digest', verdict.detail);
      return false;
    }
    if (verdict) this.#proof.confirmed();
    return true;
  }

  /** One parsed server message, whatever the transport. */
  handle(raw: unknown): void {
    if (typeof raw !== 'object' || raw === null) return;
    const message = raw as { type?: unknown; id?: unknown; digest?: unknown };
    // Only cheap checks on the hot path: the gateways validate what they send, and unknown types are for newer servers.
    if (isEventType(message.type)) return this.#event(raw as DishEvent);
    switch (message.type) {
      case 'snapshot': {
        const given = raw as Omit<SnapshotInfo, 'chat'> & { chat?: unknown };
        if (!isStreamId(given.id) || !Array.isArray(given.dishes)) return;
        // Optional: a server from before chat rode in snapshots sends none.
        const snapshot: SnapshotInfo = { ...given, chat: Array.isArray(given.chat) ? given.chat.filter(isChatEvent) : [] };
        this.store.applySnapshot(snapshot, this.#now());
        this.#proof.discardUnconfirmed();
        this.#counts.snapshots++;
        this.#hooks.live(typeof snapshot.instance === 'string' ? snapshot.instance : undefined);
        this.#emitter.emit('snapshot', snapshot);
        if (this.#agrees(snapshot.id, message.digest)) this.#hooks.settled('snapshot');
        return;
      }
      case 'resumed': {
        const resumed = raw as { id: string; instance: string };
        if (typeof resumed.id !== 'string' || typeof resumed.instance !== 'string') return;
        // The replay follows `resumed.id`: anywhere else than the last id held, it could not link to what is held.
        const broken = resumed.id === this.store.lastId ? undefined : `resumed after ${resumed.id}, but the last event held is ${this.store.lastId ?? 'none'}`;
        if (broken !== undefined) return this.#hooks.resync('gap', broken);
        this.#hooks.live(resumed.instance);
        this.#emitter.emit('resumed', { id: resumed.id, instance: resumed.instance });
        if (this.#agrees(resumed.id, message.digest)) this.#hooks.settled('resumed');
        return;
      }
      case 'state': {
        const state = raw as StateMessage;
        if (!isStreamId(state.id) || !Array.isArray(state.dishes)) return;
        const given = { ...state, chat: Array.isArray(state.chat) ? state.chat : [] };
        const events = this.store.includes(state.id) ? 0 : eventsInState(this.store.dishes, given);
        const { result, chat } = this.store.applyState(given, this.#now());
        if (result === 'duplicate') {
          this.#counts.duplicates++;
          return;
        }
        this.#emitter.emit('state', state);
        for (const event of chat) this.#delivered(event);
        const verdict = compareDigest(this.store, state.id, message.digest);
        if (verdict?.agrees === false) return this.#hooks.resync('digest', verdict.detail);
        if (verdict) this.#proof.confirmed(events);
        else this.#proof.unconfirmed(events);
        return;
      }
      case 'check': {
        const check = raw as CheckMessage;
        const verdict = compareDigest(this.store, check.id, check.digest);
        if (verdict?.agrees === false) return this.#hooks.resync('digest', verdict.detail);
        if (!verdict) return;
        this.#proof.confirmed();
        this.#emitter.emit('check', check);
        return;
      }
      case 'error':
        this.#emitter.emit('error', raw as ErrorMessage);
        return;
      case 'pong':
        this.#emitter.emit('pong', raw as PongMessage);
        return;
      default:
        return;
    }
  }

  /** An event: a duplicate is dropped, one that does not follow the last id held is a gap, the rest are applied. */
  #event(event: DishEvent): void {
    if (!isStreamId(event.id)) return;
    if (this.store.includes(event.id)) {
      this.#counts.duplicates++;
      return;
    }
    const broken = brokenLink(event, this.store.lastId);
    if (broken !== undefined) return this.#hooks.resync('gap', broken);
    this.store.applyEvent(event);
    this.#proof.counts.verified++;
    this.#delivered(event);
  }

  #delivered(event: DishEvent | ChatMessageEvent): void {
    const receivedAt = this.#now();
    this.#counts.events++;
    this.#latency.record(event.ts, receivedAt);
    this.#emitter.emit('event', event, receivedAt - event.ts);
  }
}

/** A chat event as a snapshot carries it; anything else there is dropped rather than shown. */
function isChatEvent(value: unknown): value is ChatMessageEvent {
  const e = value as Partial<ChatMessageEvent> | null;
  return (
    typeof e === 'object' && e !== null && e.type === 'chat.message' && isStreamId(e.id) && typeof e.ts === 'number' &&
    typeof e.data?.author === 'string' && typeof e.data.text === 'string'
  );
}
