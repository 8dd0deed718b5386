import { afterEach, describe, expect, it } from 'vitest';
import { resolveUrl, subscriptionUrl, utf8Length } from './transport.js';

const cursorAt = (since?: string) => ({ cursor: () => since });

describe('subscriptionUrl', () => {
  it('adds since, maxRate and comma-joined categories to the query, keeping what was there', () => {
    const url = new URL(subscriptionUrl('ws://h:8081/ws?x=1', 'ws', '5-0', { ...cursorAt(), maxRate: 30, categories: ['a', 'b c'] }, { token: 't' }));
    expect(Object.fromEntries(url.searchParams)).toEqual({ x: '1', since: '5-0', maxRate: '30', categories: 'a,b c', token: 't' });
  });

  it('leaves out what is not set, and an empty category list', () => {
    expect(subscriptionUrl('http://h:8082/sse', 'sse', undefined, { ...cursorAt(), categories: [] })).toBe('http://h:8082/sse');
  });
});

describe('resolveUrl', () => {
  const global = globalThis as { location?: { href: string } };
  afterEach(() => {
    delete global.location;
  });

  it('resolves a path against the page, as a browser does, and turns http into ws for WebSocket', () => {
    global.location = { href: 'https://dash.example/board?x=1' };
    expect(resolveUrl('/ws', 'ws').toString()).toBe('wss://dash.example/ws');
    expect(resolveUrl('/sse', 'sse').toString()).toBe('https://dash.example/sse');
    global.location = { href: 'http://localhost:8080/' };
    expect(resolveUrl('/ws', 'ws').toString()).toBe('ws://localhost:8080/ws');
  });

  it('keeps absolute ws and http URLs as they are', () => {
    expect(resolveUrl('ws://h:8081/ws', 'ws').toString()).toBe('ws://h:8081/ws');
    expect(resolveUrl('http://h:3000', 'poll').toString()).toBe('http://h:3000/');
  });

  it('refuses a relative URL where there is no page', () => {
    expect(() => resolveUrl('/ws', 'ws')).toThrow(TypeError);
  });
});

describe('utf8Length', () => {
  it('matches TextEncoder for ASCII, 2-, 3- and 4-byte characters and lone surrogates', () => {
    for (const text of ['', 'abc', 'é', '寿司', '🍣', 'a🍣b', '\ud800', 'x\udc00y', '\ud800\ud800\udc00']) {
      expect(utf8Length(text), JSON.stringify(text)).toBe(new TextEncoder().encode(text).length);
    }
  });
});
