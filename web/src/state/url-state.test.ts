import { describe, expect, it } from 'vitest';
import { readRestaurant, readTransportChoice, writeRestaurant, writeTransportChoice } from './url-state.js';

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

describe('restaurant in the URL', () => {
  it('reads ?restaurant=, default without one, and says which given value is no restaurant id', () => {
    expect(readRestaurant('?restaurant=demo-noodles&transport=sse')).toEqual({ restaurant: 'demo-noodles' });
    expect(readRestaurant('')).toEqual({ restaurant: 'default' });
    expect(readRestaurant('?restaurant=Not%20One')).toEqual({ restaurant: 'default', rejected: 'Not One' });
    expect(readRestaurant('?restaurant=')).toEqual({ restaurant: 'default', rejected: '' });
    expect(readRestaurant('?restaurant=../default')).toEqual({ restaurant: 'default', rejected: '../default' });
  });

  it('writes the restaurant and keeps the transport, the rest of the query and the hash', () => {
    const href = writeRestaurant('http://h/?transport=poll&interval=500#chat', 'demo-hotpot');
    expect(href).toBe('http://h/?transport=poll&interval=500&restaurant=demo-hotpot#chat');
    const url = new URL(writeRestaurant(href, 'default'));
    expect([readRestaurant(url.search), readTransportChoice(url.search)]).toEqual([{ restaurant: 'default' }, { transport: 'poll', pollIntervalMs: 500 }]);
  });
});
