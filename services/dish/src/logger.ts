// The service's structured JSON logger (pino), one line per record.
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { service: 'dish', pid: process.pid } });
}

/**
 * A warning for errors that repeat while a dependency is down (a BullMQ connection errs on every reconnect attempt):
 * the first is logged, then at most one per interval with the count of those left out.
 */
export function throttledWarn(log: Logger, msg: string, intervalMs = 30_000): (err: Error) => void {
  let last = 0;
  let suppressed = 0;
  return (err) => {
    const now = Date.now();
    if (now - last < intervalMs) {
      suppressed++;
      return;
    }
    log.warn({ err: err.message, suppressed }, msg);
    last = now;
    suppressed = 0;
  };
}
