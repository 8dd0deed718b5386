import { describe, expect, it } from 'vitest';
import { closedRightAfterUpgrade } from './early-close.js';

describe('closedRightAfterUpgrade', () => {
  it('is a WebSocket closed after its 101 before the first message it waited for, nothing else', () => {
    const early = { kind: 'ws', untilFirstMessage: true, upgraded: true, error: 'closed' } as const;
    expect(closedRightAfterUpgrade(early)).toBe(true);
    expect(closedRightAfterUpgrade({ ...early, upgraded: false })).toBe(false);
    expect(closedRightAfterUpgrade({ ...early, untilFirstMessage: false })).toBe(false);
    expect(closedRightAfterUpgrade({ ...early, kind: 'sse' })).toBe(false);
    expect(closedRightAfterUpgrade({ ...early, error: 'connect timeout' })).toBe(false);
  });
});
