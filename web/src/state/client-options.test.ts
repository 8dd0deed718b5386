import { describe, expect, it } from 'vitest';
import { clientOptions, serviceBase } from './client-options.js';

const config = {
  apiBase: 'https://dash.example/api',
  wsUrl: 'wss://dash.example/ws',
  sseUrl: 'https://dash.example/sse',
  writeTokenRequired: true,
  pollIntervalMs: 1000,
  currency: 'EUR',
};

describe('clientOptions', () => {
  it('points each transport at its endpoint and polling at the service base the client appends /api to', () => {
    expect(clientOptions(config, { restaurant: 'demo-hotpot', transport: 'ws', pollIntervalMs: 1000, since: '5-0', maxRate: 60 })).toMatchObject({
      transport: 'ws', url: 'wss://dash.example/ws', restaurant: 'demo-hotpot', since: '5-0', maxRate: 60, apiUrl: 'https://dash.example',
    });
    expect(clientOptions(config, { restaurant: 'default', transport: 'sse', pollIntervalMs: 1000, since: undefined, maxRate: 60 })).not.toHaveProperty('since');
    const poll = clientOptions(config, { restaurant: 'default', transport: 'poll', pollIntervalMs: 250, since: undefined, maxRate: 60 });
    expect(poll).toMatchObject({ url: 'https://dash.example', intervalMs: 250, restaurant: 'default' });
    expect(poll).not.toHaveProperty('maxRate');
  });

  it('refuses an apiBase the client cannot express', () => {
    expect(serviceBase('http://h/prefix/api/')).toBe('http://h/prefix');
    expect(() => serviceBase('http://h/v1')).toThrow(/must end in \/api/);
  });
});
