// The services' structured JSON logger (pino, one line per record) and the surface the libraries need of it.
import { pino } from 'pino';
import type { LogLevel } from './env.js';

export type LogFn = (obj: object, msg?: string) => void;

/** What the packages log through; pino's logger satisfies it. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

/** Every record names the service and the instance (replicas differ), so merged logs stay readable. */
export function createLogger(service: string, level: LogLevel, instance: string): pino.Logger {
  return pino({ level, base: { service, instance, pid: process.pid } });
}

/**
 * A warning for errors that repeat while a dependency is down (a connection errs on every reconnect attempt): the
 * first is logged, then at most one per interval with the count of those left out.
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
