// Runs shutdown steps in order on SIGTERM/SIGINT, and exits within the grace period whatever happens.
import type { Logger } from './logger.js';

export type ShutdownStep = readonly [name: string, run: () => unknown];

export function onShutdown(log: Logger, graceMs: number, steps: readonly ShutdownStep[]): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, graceMs }, 'shutting down');
    const timer = setTimeout(() => {
      log.error({ graceMs }, 'shutdown grace period elapsed; exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    for (const [name, run] of steps) {
      try {
        await run();
      } catch (err) {
        log.warn({ step: name, err: (err as Error).message }, 'shutdown step failed');
      }
    }
    log.info({}, 'stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

/** Waits until `done()` or `ms` elapse, polling: used to let clients go before the process exits. */
export async function waitUntil(done: () => boolean, ms: number, stepMs = 20): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, stepMs));
}
