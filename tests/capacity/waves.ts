// Opening thousands of raw connections in waves, so that the test itself never floods the listen backlog.

/**
 * Opens `n` connections with `open(i)`, `wave` at a time, each wave awaited (`ready(client)`) before the next.
 * Resolves with every client.
 */
export async function openInWaves<C>(n: number, wave: number, open: (i: number) => C, ready: (c: C) => Promise<unknown>): Promise<C[]> {
  const all: C[] = [];
  for (let start = 0; start < n; start += wave) {
    const batch: C[] = [];
    for (let i = start; i < Math.min(n, start + wave); i++) batch.push(open(i));
    await Promise.all(batch.map(ready));
    all.push(...batch);
  }
  return all;
}
