// The service's pino logger: JSON lines naming the service and the instance.
import { pino } from 'pino';

export function createLogger(level: string, instance: string) {
  return pino({ level, base: { service: 'ws-gateway', instance } });
}
