// From the runtime config and the chosen transport to the client's connect() options.
import type { ConnectOptions } from '@dish-live/client';
import type { RuntimeConfig } from '../runtime-config.js';
import type { Transport } from './url-state.js';

export interface LiveOptions {
  /** Always named, `default` included: the page follows `/ws/{rid}`, `/sse/{rid}`, `/api/restaurants/{rid}/…`. */
  restaurant: string;
  transport: Transport;
  pollIntervalMs: number;
  since: string | undefined;
  maxRate: number;
}

/**
 * The client polls `{url}/api/events` and posts chat to `{apiUrl}/api/chat`, i.e. it wants the dish service's base
 * without `/api`, while the runtime config names the API base itself: strip the suffix. An apiBase not ending in
 * `/api` cannot be expressed to the client, which is a configuration error worth stopping on.
 */
export function serviceBase(apiBase: string): string {
  const trimmed = apiBase.replace(/\/+$/, '');
  if (!trimmed.endsWith('/api')) throw new Error(`apiBase ${apiBase} must end in /api (the client appends /api/... itself)`);
  return trimmed.slice(0, -'/api'.length);
}

export function clientOptions(config: RuntimeConfig, live: LiveOptions): ConnectOptions {
  const base = serviceBase(config.apiBase);
  const url = live.transport === 'ws' ? config.wsUrl : live.transport === 'sse' ? config.sseUrl : base;
  return {
    transport: live.transport,
    url,
    restaurant: live.restaurant,
    apiUrl: base,
    ...(live.since !== undefined ? { since: live.since } : {}),
    // Polling has no server-side conflation: it takes whatever accumulated between requests.
    ...(live.transport !== 'poll' ? { maxRate: live.maxRate } : {}),
    intervalMs: live.pollIntervalMs,
  };
}
