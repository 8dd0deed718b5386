// The service's structured JSON logger (pino), one line per record.
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { service: 'dish', pid: process.pid } });
}
