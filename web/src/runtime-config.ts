// The runtime configuration from GET /config.json: validated, with relative URLs resolved against the page.
export interface RuntimeConfig {
  apiBase: string;
  wsUrl: string;
  sseUrl: string;
  writeTokenRequired: boolean;
  pollIntervalMs: number;
  /** ISO 4217 code prices are shown in (prices travel as integer cents of it). */
  currency: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DEFAULTS: RuntimeConfig = {
  apiBase: '/api',
  wsUrl: '/ws',
  sseUrl: '/sse',
  writeTokenRequired: true,
  pollIntervalMs: 1000,
  currency: 'EUR',
};

/**
 * Resolves a config object against the page URL: http(s) URLs absolute, and the WebSocket URL with ws: or wss:
 * matching the page (an https page must not open ws:). Missing fields take the defaults; wrong types are errors.
 */
export function resolveConfig(raw: unknown, pageUrl: string): RuntimeConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('config.json is not a JSON object');
  const given = raw as Record<string, unknown>;
  const str = (key: 'apiBase' | 'wsUrl' | 'sseUrl') => {
    const v = given[key] ?? DEFAULTS[key];
    if (typeof v !== 'string' || v === '') throw new ConfigError(`config.json: ${key} must be a non-empty string`);
    return v;
  };
  const writeTokenRequired = given.writeTokenRequired ?? DEFAULTS.writeTokenRequired;
  if (typeof writeTokenRequired !== 'boolean') throw new ConfigError('config.json: writeTokenRequired must be true or false');
  const pollIntervalMs = given.pollIntervalMs ?? DEFAULTS.pollIntervalMs;
  if (typeof pollIntervalMs !== 'number' || !Number.isInteger(pollIntervalMs) || pollIntervalMs < 50 || pollIntervalMs > 60_000) {
    throw new ConfigError('config.json: pollIntervalMs must be an integer from 50 to 60000');
  }
  const currency = given.currency ?? DEFAULTS.currency;
  // The shape is all Intl checks too; asking Intl here would load its locale data before the page has drawn anything.
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) throw new ConfigError('config.json: currency must be an ISO 4217 code such as "EUR"');
  const page = new URL(pageUrl);
  const ws = new URL(str('wsUrl'), page);
  if (ws.protocol === 'http:') ws.protocol = 'ws:';
  else if (ws.protocol === 'https:') ws.protocol = 'wss:';
  // A relative ws URL on an https page resolves to https: above, hence wss:; an explicit ws: stays as configured.
  return {
    apiBase: stripSlash(new URL(str('apiBase'), page).href),
    wsUrl: ws.href,
    sseUrl: new URL(str('sseUrl'), page).href,
    writeTokenRequired,
    pollIntervalMs,
    currency,
  };
}

const stripSlash = (url: string) => (url.endsWith('/') ? url.slice(0, -1) : url);

export async function loadConfig(pageUrl: string, fetchFn: typeof fetch = fetch): Promise<RuntimeConfig> {
  const url = new URL('/config.json', pageUrl);
  const res = await fetchFn(url, { cache: 'no-store', headers: { accept: 'application/json' } });
  if (!res.ok) throw new ConfigError(`GET ${url.pathname} answered ${res.status}`);
  return resolveConfig(await res.json(), pageUrl);
}
