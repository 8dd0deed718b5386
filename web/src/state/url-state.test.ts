import { describe, expect, it } from 'vitest';
import { readTransportChoice, writeTransportChoice } from './url-state.js';

describe('transport in the URL', () => {
  it('reads the transport and, for polling, the interval', () => {
    expect(readTransportChoice('?transport=sse')).toEqual({ transport: 'sse' });
    expect(readTransportChoice('?transport=poll&interval=250')).toEqual({ transport: 'poll', pollIntervalMs: 250 });
    expect(readTransportChoice('?transport=poll&interval=abc')).toEqual({ transport: 'poll' });
    expect(readTransportChoice('?transport=ws&interval=250')).toEqual({ transport: 'ws' });
  });

  it('falls back to WebSocket for a missing or unknown transport', () => {
    expect(readTransportChoice('')).toEqual({ transport: 'ws' });
    expect(readTransportChoice('?transport=carrier-pigeon')).toEqual({ transport: 'ws' });
  });

  it('writes the choice and keeps the rest of the URL', () => {
    const href = writeTransportChoice('http://h/x?lang=zh&interval=9#top', { transport: 'sse' });
    expect(href).toBe('http://h/x?lang=zh&transport=sse#top');
    const back = new URL(writeTransportChoice(href, { transport: 'poll', pollIntervalMs: 500 }));
    expect(readTransportChoice(back.search)).toEqual({ transport: 'poll', pollIntervalMs: 500 });
  });
});
