import { describe, expect, it } from 'vitest';
import { FlashTracker } from './flash.js';

describe('FlashTracker', () => {
  it('flashes a changed cell for its duration and restarts on a repeated change', () => {
    const f = new FlashTracker(500);
    expect(f.classFor('a:stock', 0)).toBe('');
    f.mark('a:stock', 0);
    expect(f.classFor('a:stock', 100)).toBe('flash-a');
    f.mark('a:stock', 200);
    expect(f.classFor('a:stock', 300)).toBe('flash-b');
    expect(f.classFor('a:stock', 800)).toBe('');
    f.mark('a:stock', 900);
    expect(f.classFor('a:stock', 901)).toBe('flash-a');
  });
});
