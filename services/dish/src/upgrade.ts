// The start's first step on Redis: the first wave's keys moved into `default` (resumably), the registry's `default` entry.
import type { Logger } from 'pino';
import { migrateFirstWave, type MigrationResult, type Restaurants } from '@dish-live/broker';
import type { RedisClient } from '@dish-live/broker';

/** How often a long migration says how far it got (its first batch is reported at once). */
const PROGRESS_EVERY_MS = 1000;

/**
 * Runs before anything reads or writes a restaurant's keys: the seed, the order worker, the simulator and the API
 * would otherwise see half of the old layout. A process killed half-way leaves each key moved or not; the next start
 * moves the rest. Logs progress while keys move, and one line at the end either way.
 */
export async function upgradeLayout(redis: RedisClient, keyPrefix: string, registry: Restaurants, logger: Logger): Promise<MigrationResult> {
  const started = Date.now();
  let reported = 0;
  const result = await migrateFirstWave(redis, keyPrefix, ({ moved }) => {
    const now = Date.now();
    if (reported !== 0 && now - reported < PROGRESS_EVERY_MS) return;
    reported = now;
    logger.info({ moved }, 'moving the first wave keys into restaurant default');
  });
  await registry.ensureDefault();
  const ms = Date.now() - started;
  if (result.alreadyCurrent) logger.info({ ms }, 'key layout is current');
  else logger.info({ moved: result.moved, ms }, 'key layout upgraded: the first wave keys are restaurant default');
  return result;
}
