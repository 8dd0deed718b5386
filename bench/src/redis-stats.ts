// Redis's own count of the commands it ran (INFO commandstats): a request's Redis work counted, not timed.

/** Calls per command from an `INFO commandstats` reply; commands run by a Lua script are counted under their names. */
export function parseCommandStats(info: string): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[match[1]!] = Number(match[2]);
  return calls;
}

/**
 * Calls per request of each command between two readings, rounded to 0.01 (rarer ones, a background timer's, are
 * left out), without `info`: the readings themselves.
 */
export function callsPerRequest(before: Record<string, number>, after: Record<string, number>, requests: number): Record<string, number> {
  const out: Record<string, number> = {};
  if (requests <= 0) return out;
  for (const [command, n] of Object.entries(after)) {
    if (command === 'info') continue;
    const perRequest = Math.round(((n - (before[command] ?? 0)) / requests) * 100) / 100;
    if (perRequest > 0) out[command] = perRequest;
  }
  return out;
}

export const totalCalls = (calls: Record<string, number>) => Math.round(Object.values(calls).reduce((s, n) => s + n, 0) * 100) / 100;
