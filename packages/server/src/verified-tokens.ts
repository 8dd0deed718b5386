// Subscription tokens already verified, kept until they expire: a client that reconnects (a deploy, a network blip, a
// gateway restart elsewhere) is admitted from memory instead of by another signature check, and in the same turn of
// the loop — which keeps its WebSocket upgrade off the path uWebSockets.js 20.30 can break (docs/ARCHITECTURE.md,
// "Known issues").
import { createHash } from 'node:crypto';
import type { Grant } from './subscription-auth.js';

/** At most `capacity` grants, the least recently used dropped first; keyed by the token's SHA-256, not the token. */
export class VerifiedTokens {
  readonly #grants = new Map<string, Grant>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#grants.size;
  }

  /** The grant of a token verified here that has not expired since (`now` in ms). */
  get(token: string, now = Date.now()): Grant | undefined {
    const key = keyOf(token);
    const grant = this.#grants.get(key);
    if (grant === undefined) return undefined;
    this.#grants.delete(key);
    if (grant.expiresAt !== undefined && grant.expiresAt <= now) return undefined;
    // Re-inserted: a Map iterates in insertion order, so the first key is the least recently used.
    this.#grants.set(key, grant);
    return grant;
  }

  add(token: string, grant: Grant): void {
    const key = keyOf(token);
    this.#grants.delete(key);
    this.#grants.set(key, grant);
    if (this.#grants.size > this.capacity) this.#grants.delete(this.#grants.keys().next().value!);
  }
}

const keyOf = (token: string) => createHash('sha256').update(token).digest('base64');
