// The gateway's Redis connections: one for commands, one for the feed's SUBSCRIBE, each named so operators can find it.
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export interface GatewayRedis {
  redis: Redis;
  subscriber: Redis;
  quit(): Promise<void>;
}

/** The feed connection's CLIENT SETNAME, per instance (tests kill exactly this connection). */
export const feedConnectionName = (instance: string) => `dish-live:feed:${instance}`;

export function connectRedis(url: string, instance: string, log: Logger): GatewayRedis {
  const redis = new Redis(url, { connectionName: `dish-live:cmd:${instance}`, lazyConnect: false });
  const subscriber = new Redis(url, { connectionName: feedConnectionName(instance), maxRetriesPerRequest: null });
  redis.on('error', (err: Error) => log.warn({ err: err.message }, 'redis error'));
  return {
    redis,
    subscriber,
    async quit() {
      await Promise.allSettled([redis.quit(), subscriber.quit()]);
    },
  };
}
