import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stateDigest } from '@dish-live/protocol';
import { heldDigest } from './held-digest.js';

const reference = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);

describe('heldDigest', () => {
  it("is the contract's formula, and the protocol's stateDigest, for any set of dishes", () => {
    expect(heldDigest([])).toBe(reference(''));
    const dishes = Array.from({ length: 40 }, (_, i) => ({ id: `d-${(i * 7919) % 97}`, version: i + 1 }));
    const lines = [...dishes].sort((a, b) => (a.id < b.id ? -1 : 1)).map((d) => `${d.id}:${d.version}`).join('\n');
    expect(heldDigest(dishes)).toBe(reference(lines));
    expect(heldDigest(dishes)).toBe(stateDigest(dishes));
    expect(heldDigest([...dishes].reverse())).toBe(heldDigest(dishes));
  });
});
