import { describe, expect, it } from 'vitest';
import { ReadBatcher } from './read-batcher.js';

/** A read whose answers (or failures) the test releases by hand, in any order. */
function controlledRead() {
  const issued: { key: string; release: (v: string) => void; fail: (e: Error) => void }[] = [];
  const read = (key: string) => new Promise<string>((release, fail) => issued.push({ key, release, fail }));
  return { issued, read };
}

describe('ReadBatcher', () => {
  it('serves each caller with a read issued after it asked, shared with everyone who asked before that read left', async () => {
    const { issued, read } = controlledRead();
    const batcher = new ReadBatcher(read);
    const first = batcher.get('a');
    expect(issued).toHaveLength(1);
    // Asked while the first read is in flight: it may have run before something these callers must see.
    const later = [batcher.get('a'), batcher.get('a'), batcher.get('a')];
    expect(issued).toHaveLength(1);
    issued[0]!.release('v1');
    expect(await first).toBe('v1');
    expect(issued).toHaveLength(2);
    const afterThat = batcher.get('a');
    issued[1]!.release('v2');
    expect(await Promise.all(later)).toEqual(['v2', 'v2', 'v2']);
    issued[2]!.release('v3');
    expect(await afterThat).toBe('v3');
    expect(batcher.reads).toBe(3);
  });

  it('keeps keys apart, forgets a key once nobody waits, and hands a failure to that read’s callers only', async () => {
    const { issued, read } = controlledRead();
    const batcher = new ReadBatcher(read);
    const a = batcher.get('a');
    const b = batcher.get('b');
    expect(issued.map((r) => r.key)).toEqual(['a', 'b']);
    const aLater = batcher.get('a');
    issued[0]!.fail(new Error('Redis away'));
    await expect(a).rejects.toThrow('Redis away');
    issued[2]!.release('a2');
    expect(await aLater).toBe('a2');
    issued[1]!.release('b1');
    expect(await b).toBe('b1');
    // Nothing waits any more: the next caller starts a read at once.
    void batcher.get('a');
    expect(issued).toHaveLength(4);
  });
});
