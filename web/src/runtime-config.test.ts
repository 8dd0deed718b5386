import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, resolveConfig } from './runtime-config.js';

const raw = { apiBase: '/api', wsUrl: '/ws', sseUrl: '/sse', writeTokenRequired: true, pollIntervalMs: 1000 };

describe('resolveConfig', () => {
  it('resolves relative URLs against the page, ws: from http:', () => {
    expect(resolveConfig(raw, 'http://localhost:8080/?transport=sse')).toEqual({
      apiBase: 'http://localhost:8080/api',
      wsUrl: 'ws://localhost:8080/ws',
      sseUrl: 'http://localhost:8080/sse',
      writeTokenRequired: true,
      pollIntervalMs: 1000,
      currency: 'EUR',
    });
  });

  it('takes the currency prices are shown in, EUR unless configured, and refuses what is not a currency code', () => {
    expect(resolveConfig({ ...raw, currency: 'CNY' }, 'http://h/').currency).toBe('CNY');
    expect(resolveConfig(raw, 'http://h/').currency).toBe('EUR');
    expect(() => resolveConfig({ ...raw, currency: 'euro' }, 'http://h/')).toThrow(/currency/);
    expect(() => resolveConfig({ ...raw, currency: 12 }, 'http://h/')).toThrow(/currency/);
  });

  it('uses wss: on an https page', () => {
    expect(resolveConfig(raw, 'https://dash.example/').wsUrl).toBe('wss://dash.example/ws');
  });

  it('keeps absolute URLs and fills missing fields with defaults', () => {
    const c = resolveConfig({ wsUrl: 'ws://other:8081/ws' }, 'https://dash.example/');
    expect(c.wsUrl).toBe('ws://other:8081/ws');
    expect(c.apiBase).toBe('https://dash.example/api');
    expect(c.pollIntervalMs).toBe(1000);
  });

  it('names the field that is wrong', () => {
    expect(() => resolveConfig({ pollIntervalMs: 'fast' }, 'http://h/')).toThrow(/pollIntervalMs/);
    expect(() => resolveConfig({ writeTokenRequired: 'yes' }, 'http://h/')).toThrow(ConfigError);
    expect(() => resolveConfig([], 'http://h/')).toThrow(/not a JSON object/);
  });
});

describe('loadConfig', () => {
  it('fetches /config.json from the page origin and says which status failed', async () => {
    const seen: string[] = [];
    const ok = ((url: URL) => (seen.push(String(url)), Promise.resolve(new Response(JSON.stringify(raw))))) as unknown as typeof fetch;
    await expect(loadConfig('http://h:8080/a/b?x=1', ok)).resolves.toMatchObject({ apiBase: 'http://h:8080/api' });
    expect(seen).toEqual(['http://h:8080/config.json']);
    const missing = (() => Promise.resolve(new Response('nope', { status: 404 }))) as unknown as typeof fetch;
    await expect(loadConfig('http://h/', missing)).rejects.toThrow(/404/);
  });
});
