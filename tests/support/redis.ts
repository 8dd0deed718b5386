// Gives a test file the run's real Redis (from the global setup) and a key prefix no other file uses.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

export interface TestRedis {
  url: string;
  /** Prefix for every key and channel this test file touches, ending in ':'. */
  prefix: string;
}

export function testRedis(name: string): TestRedis {
  return { url: inject('redisUrl'), prefix: `t:${name}:${randomBytes(4).toString('hex')}:` };
}
