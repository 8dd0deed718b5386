// Bounded waits: a poll for what cannot be awaited as an event, and a deadline on a promise that can.

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

/** Rejects naming `what` if `promise` has not settled within `ms`. */
export async function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
