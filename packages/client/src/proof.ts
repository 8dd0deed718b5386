// The client's proof: each event's `prev` checked against the end of the chain it holds, each digest it is given
// against the dishes it holds. The hot path pays one string compare per event; a hash only when a digest comes.
import type { StateMessage } from '@dish-live/protocol';
import { stateDigest } from '@dish-live/protocol/wire';
import type { DishStore } from './store.js';

export type ResyncReason = 'gap' | 'digest';

export interface ResyncInfo {
  /** `gap`: an event did not follow the last one held; `digest`: what the client holds hashed to something else. */
  reason: ResyncReason;
  /** When it was found (ms since the epoch). */
  at: number;
  /** The last id the client held when it was found: where a resume after a gap starts. */
  from: string | undefined;
  /** What disagreed, in words. */
  detail: string;
  /** False when the resync starts; true once a snapshot or a resume (whose digest, if any, agreed) put the client back in step. */
  recovered: boolean;
  /** How it came back: the missed events replayed after `resumed`, or a fresh `snapshot`. */
  via?: 'resumed' | 'snapshot';
  recoveredAt?: number;
}

export interface ProofCounts {
  /**
   * Events whose `prev` was the last id the client held, and events a conflated `state` stood for once a digest
   * confirmed the state they led to (a state carries no links: its digest, or a later one, is its proof).
   */
  verified: number;
  /** Broken links: events that did not follow the last one held. */
  gaps: number;
  /** Resynchronisations the client started by itself, after a gap or a digest that disagreed. */
  resyncs: number;
}

/** Why an event does not extend the chain that ends at `chainEnd`; undefined when it does. */
export function brokenLink(event: { id: string; prev: string }, chainEnd: string | undefined): string | undefined {
  if (event.prev === chainEnd) return undefined;
  return `event ${event.id} follows ${event.prev}, but the last event held is ${chainEnd ?? 'none'}`;
}

export type DigestVerdict = { agrees: true } | { agrees: false; detail: string } | undefined;

/**
 * Compares a digest given for the state at `id` with the dishes held. Undefined (not compared) when there is no digest
 * or the store is at another id: such a digest says nothing about what it holds.
 */
export function compareDigest(store: DishStore, id: string, digest: unknown): DigestVerdict {
  if (typeof digest !== 'string' || store.lastId !== id) return undefined;
  const held = stateDigest(store.dishes.values());
  return held === digest ? { agrees: true } : { agrees: false, detail: `the state at ${id} hashes to ${digest}, the client's to ${held}` };
}

/** The counts, and the resync under way: one path for every disagreement, whatever found it. */
export class Proof {
  readonly counts: ProofCounts = { verified: 0, gaps: 0, resyncs: 0 };
  /** The latest resync, as last reported. */
  last: ResyncInfo | undefined;
  /** A digest disagreed: what is held is wrong, so the next connection asks a snapshot (no `since`). */
  snapshotNext = false;
  #pending: ResyncInfo | undefined;
  /** Events applied through states that no digest has confirmed yet. */
  #unconfirmed = 0;

  /** Events stood for by a state without a digest: verified once a later digest agrees. */
  unconfirmed(events: number): void {
    this.#unconfirmed += events;
  }

  /** A digest agreed with what is held: every event that led there is verified, `events` more with it. */
  confirmed(events = 0): void {
    this.counts.verified += this.#unconfirmed + events;
    this.#unconfirmed = 0;
  }

  /** What was held is replaced (a snapshot) or in doubt (a resync): its unconfirmed events will never be. */
  discardUnconfirmed(): void {
    this.#unconfirmed = 0;
  }

  /** Counts a resync; `again` when the one before had not recovered yet (the caller then backs off). */
  start(reason: ResyncReason, detail: string, from: string | undefined, at: number): { info: ResyncInfo; again: boolean } {
    const again = this.#pending !== undefined;
    this.#unconfirmed = 0;
    this.counts.resyncs++;
    if (reason === 'gap') this.counts.gaps++;
    else this.snapshotNext = true;
    const info: ResyncInfo = { reason, at, from, detail, recovered: false };
    this.#pending = this.last = info;
    return { info: { ...info }, again };
  }

  /** A snapshot or resume arrived and agreed: the resync under way, if any, is over; returns it, recovered. */
  settled(via: 'resumed' | 'snapshot', at: number): ResyncInfo | undefined {
    if (via === 'snapshot') this.snapshotNext = false;
    const pending = this.#pending;
    if (!pending) return undefined;
    this.#pending = undefined;
    this.last = { ...pending, recovered: true, via, recoveredAt: at };
    return { ...this.last };
  }
}

/**
 * How many events a conflated state stands for, read before it is applied: every event moves its dish's version by
 * one (a new dish starts at 1), a deletion is one, each chat message one.
 */
export function eventsInState(held: ReadonlyMap<string, { version: number }>, state: Pick<StateMessage, 'dishes' | 'chat'>): number {
  let events = state.chat.length;
  for (const dish of state.dishes) {
    if ('deleted' in dish) events++;
    else events += Math.max(1, dish.version - (held.get(dish.id)?.version ?? 0));
  }
  return events;
}
