// A bounded wait for what a test cannot await as an event: polls a check and fails naming what it waited for.

/**
 * Polls `check` (sync or async) until it returns something truthy, and resolves with that; after `ms` it fails naming
 * `what` and, when given, the last of `seen()`. A check may throw to give up at once (a process that died).
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  ms = 10_000,
  seen?: () => unknown,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}${seen ? `; seen: ${JSON.stringify(seen()).slice(0, 800)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
