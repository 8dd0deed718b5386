// Which errors mean "Redis cannot be reached now" (a 503), as opposed to a command Redis refused (a bug: a 500).
import { describe, expect, it } from 'vitest';
import { isRedisUnavailable } from './redis.js';

describe('isRedisUnavailable', () => {
  it('counts a down connection and a cluster whose slot is changing owner, not a refused command', () => {
    for (const message of [
      'Connection is closed.',
      'connect ECONNREFUSED 127.0.0.1:6379',
      'Command timed out',
      'MOVED 4306 127.0.0.1:7001',
      'CLUSTERDOWN The cluster is down',
      'TRYAGAIN Multiple keys request during rehashing of slot',
      // ioredis' own wrapping once its redirections ran out during a failover (seen in the cluster failover test).
      'Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN The cluster is down',
      'Failed to refresh slots cache.',
      // ioredis' AbortError for a pipeline in flight when its node's connection closed (a primary killed mid-WAIT).
      'Command aborted due to connection close',
      "Cluster isn't ready and enableOfflineQueue options is false",
    ]) {
      expect(isRedisUnavailable(new Error(message)), message).toBe(true);
    }
    for (const message of ['ERR wrong number of arguments for command', 'WRONGTYPE Operation against a key holding the wrong kind of value']) {
      expect(isRedisUnavailable(new Error(message)), message).toBe(false);
    }
    expect(isRedisUnavailable('Connection is closed.')).toBe(false);
  });
});
