// Graceful stop on SIGTERM/SIGINT: run the stop steps in order, each bounded, then exit.
import type { Logger } from 'pino';

export type StopStep = [name: string, stop: () => Promise<unknown>];

/** Runs every step even when one fails, so a stuck queue does not keep Redis connections open. */
export async function stopAll(log: Logger, steps: readonly StopStep[]): Promise<void> {
  for (const [name, stop] of steps) {
    const started = Date.now();
    try {
      await stop();
      log.debug({ step: name, ms: Date.now() - started }, 'stopped');
    } catch (err) {
      log.warn({ err: (err as Error).message, step: name }, 'stop step failed');
    }
  }
}

export function onShutdown(log: Logger, stop: () => Promise<void>, timeoutMs = 15_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, timeoutMs).unref();
    stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
