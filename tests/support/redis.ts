// Gives a test file the run's real Redis (from the global setup) and a key prefix no other file uses.
import { randomBytes } from 'node:crypto';

// Loaded only inside a test run: the bench imports this kit too, and has no use for vitest.
const vitest = process.env.VITEST ? await import('vitest') : undefined;

export interface TestRedis {
  url: string;
  /** Prefix for every key and channel this test file touches, ending in ':'. */
  prefix: string;
}

export function testRedis(name: string): TestRedis {
  if (!vitest) throw new Error('testRedis() needs the Redis of a vitest run (vitest.global-setup.ts)');
  return { url: vitest.inject('redisUrl'), prefix: `t:${name}:${randomBytes(4).toString('hex')}:` };
}
