// Graceful stop: named steps run in order, each failure logged and passed over; on SIGTERM/SIGINT within a grace period.
import type { Logger } from './logger.js';

export type StopStep = readonly [name: string, run: () => unknown];

/** Runs every step even when one fails, so a stuck queue does not keep Redis connections open. */
export async function runSteps(log: Logger, steps: readonly StopStep[]): Promise<void> {
  for (const [name, run] of steps) {
    const started = Date.now();
    try {
      await run();
      log.debug({ step: name, ms: Date.now() - started }, 'stopped');
    } catch (err) {
      log.warn({ step: name, err: (err as Error).message }, 'stop step failed');
    }
  }
}

/** On the first SIGTERM/SIGINT: the steps, then exit 0; past `graceMs`, or on a second signal, exit 1 at once. */
export function onShutdown(log: Logger, graceMs: number, steps: readonly StopStep[]): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, graceMs }, 'shutting down');
    setTimeout(() => {
      log.error({ graceMs }, 'shutdown grace period elapsed; exiting');
      process.exit(1);
    }, graceMs).unref();
    void runSteps(log, steps).then(() => {
      log.info({}, 'stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** Waits until `done()` or `ms` elapse, polling: used to let clients go before the process exits. */
export async function waitUntil(done: () => boolean, ms: number, stepMs = 20): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, stepMs));
}
