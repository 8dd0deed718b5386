// The upgrade from the first wave's key layout (one restaurant, keys without a tag) into the restaurant `default`.
import type { RedisClient } from './redis-client.js';
import { DEFAULT_RESTAURANT } from '@dish-live/protocol';
import { brokerKeys, registryKeys } from './keys.js';

export interface MigrationProgress {
  /** Keys moved so far in this run. */
  moved: number;
}

export interface MigrationResult {
  /** Keys moved by this run (0 when there was nothing, or the layout was already current). */
  moved: number;
  /** The registry already said the layout was current: nothing was scanned. */
  alreadyCurrent: boolean;
}

export class MigrationConflictError extends Error {
  constructor(readonly from: string, readonly to: string) {
    super(`cannot move ${from} to ${to}: both exist; one of them has to be removed by hand`);
  }
}

const LAYOUT = '2';
const SCAN_COUNT = 1000;

/** What the first wave named its keys, after the prefix: each moves to the same name under `{r:default}:`. */
const FIRST_WAVE_PATTERNS = ['dish:*', 'order:*', 'sales:*', 'dishes', 'chat:recent'];
/** Moved last, so that a half-moved log is never read as a whole one. */
const LAST_KEYS = ['dish:events', 'dish:last'];

const globEscape = (s: string) => s.replace(/[*?[\]\\]/g, '\\$&');

/**
 * Moves every first-wave key into `default` with RENAMENX (atomic per key; expiries kept), then records the new layout.
 * Resumable: a run killed half-way leaves each key either moved or not, and the next run moves the rest. Never
 * overwrites: a key present under both names stops the migration with an error naming it.
 */
export async function migrateFirstWave(
  redis: RedisClient,
  prefix = '',
  onProgress: (progress: MigrationProgress) => void = () => undefined,
): Promise<MigrationResult> {
  const layoutKey = registryKeys(prefix).layout;
  if ((await redis.get(layoutKey)) === LAYOUT) return { moved: 0, alreadyCurrent: true };
  // The first wave ran on one Redis only: a cluster never holds its keys (and could not rename them across slots).
  if (redis.isCluster) {
    await redis.set(layoutKey, LAYOUT);
    return { moved: 0, alreadyCurrent: false };
  }
  const base = brokerKeys(prefix, DEFAULT_RESTAURANT).base;
  const last = new Set(LAST_KEYS.map((suffix) => prefix + suffix));
  let moved = 0;
  const move = async (keys: string[]) => {
    if (keys.length === 0) return;
    const pipeline = redis.pipeline();
    const targets = keys.map((key) => base + key.slice(prefix.length));
    keys.forEach((key, i) => pipeline.renamenx(key, targets[i]!));
    const replies = (await pipeline.exec()) ?? [];
    for (const [i, [err, renamed]] of replies.entries()) {
      // Gone in between (expired, or moved by a run beside this one): nothing to move.
      if (err?.message.includes('no such key')) continue;
      if (err) throw err;
      if (renamed === 0) throw new MigrationConflictError(keys[i]!, targets[i]!);
      moved++;
    }
    onProgress({ moved });
  };
  for (const pattern of FIRST_WAVE_PATTERNS) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', globEscape(prefix) + pattern, 'COUNT', SCAN_COUNT);
      cursor = next;
      await move(keys.filter((key) => !last.has(key)));
    } while (cursor !== '0');
  }
  for (const key of last) {
    if ((await redis.exists(key)) === 1) await move([key]);
  }
  await redis.set(layoutKey, LAYOUT);
  return { moved, alreadyCurrent: false };
}
