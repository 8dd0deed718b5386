import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestText, stateDigest } from './digest.js';

const reference = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);

describe('stateDigest', () => {
  it('hashes the empty set as the empty string', () => {
    expect(stateDigest([])).toBe('e3b0c44298fc1c14');
  });

  it('sorts by dish id and joins id:version lines with \\n', () => {
    const dishes = [
      { id: 'b', version: 2 },
      { id: 'a10', version: 1 },
      { id: 'a2', version: 7 },
    ];
    expect(digestText(dishes)).toBe('a10:1\na2:7\nb:2');
    expect(stateDigest(dishes)).toBe(reference('a10:1\na2:7\nb:2'));
  });

  it('does not depend on the order given', () => {
    const dishes = Array.from({ length: 50 }, (_, i) => ({ id: `d${i}`, version: i }));
    expect(stateDigest(dishes)).toBe(stateDigest([...dishes].reverse()));
  });
});
