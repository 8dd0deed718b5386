// The contract's state digest over the dishes a client holds. A twin of the protocol's stateDigest, which its zod-free
// `wire` entry (all a browser bundle may import) does not export yet; held-digest.test.ts proves the two agree.
import { sha256 } from '@noble/hashes/sha256';

const encoder = new TextEncoder();

/** First 16 hex of SHA-256 over `<id>:<version>` lines sorted by id (ASCII ids: UTF-16 order is code point order). */
export function heldDigest(dishes: Iterable<{ readonly id: string; readonly version: number }>): string {
  const text = [...dishes]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((dish) => `${dish.id}:${dish.version}`)
    .join('\n');
  const hash = sha256(encoder.encode(text));
  let hex = '';
  for (let i = 0; i < 8; i++) hex += hash[i]!.toString(16).padStart(2, '0');
  return hex;
}
