// The state digest of the contract ("Proof"): what lets a client check that the dishes it holds are the ones it is
// meant to hold at an id. Pure JS SHA-256 so the browser, which lacks crypto.subtle outside secure contexts, computes
// exactly what the gateways do.
import { sha256 } from '@noble/hashes/sha256';

/** The part of a dish the digest covers. */
export interface DigestedDish {
  readonly id: string;
  readonly version: number;
}

const encoder = new TextEncoder();

/** The lines `<dish id>:<version>`, sorted by dish id and joined by `\n` (the empty set is the empty string). */
export function digestText(dishes: Iterable<DigestedDish>): string {
  return [...dishes]
    // Dish ids are ASCII (dishIdSchema), where UTF-16 order is code point order.
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((dish) => `${dish.id}:${dish.version}`)
    .join('\n');
}

/** The first 16 hex characters of SHA-256 over digestText. */
export function stateDigest(dishes: Iterable<DigestedDish>): string {
  const hash = sha256(encoder.encode(digestText(dishes)));
  let hex = '';
  for (let i = 0; i < 8; i++) hex += hash[i]!.toString(16).padStart(2, '0');
  return hex;
}
