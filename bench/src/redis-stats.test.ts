import { describe, expect, it } from 'vitest';
import { callsPerRequest, parseCommandStats, totalCalls } from './redis-stats.js';

const info = (evalsha: number, hgetall: number, get: number, infoCalls: number) =>
  [
    '# Commandstats',
    `cmdstat_evalsha:calls=${evalsha},usec=900,usec_per_call=9.00,rejected_calls=0,failed_calls=0`,
    `cmdstat_hgetall:calls=${hgetall},usec=10,usec_per_call=1.00,rejected_calls=0,failed_calls=0`,
    `cmdstat_get:calls=${get},usec=10,usec_per_call=1.00,rejected_calls=0,failed_calls=0`,
    `cmdstat_client|setinfo:calls=2,usec=1,usec_per_call=0.50,rejected_calls=0,failed_calls=0`,
    `cmdstat_info:calls=${infoCalls},usec=10,usec_per_call=1.00,rejected_calls=0,failed_calls=0`,
    '',
  ].join('\r\n');

describe('parseCommandStats', () => {
  it('reads the calls of every command, subcommands too', () => {
    expect(parseCommandStats(info(5, 50, 1, 3))).toEqual({ evalsha: 5, hgetall: 50, get: 1, 'client|setinfo': 2, info: 3 });
  });
});

describe('callsPerRequest', () => {
  it('divides each delta by the requests, leaving out INFO and what rounds to nothing', () => {
    const before = parseCommandStats(info(10, 100, 7, 1));
    const after = parseCommandStats(info(1010, 8_640_100, 8, 2));
    const calls = callsPerRequest(before, after, 1000);
    expect(calls).toEqual({ evalsha: 1, hgetall: 8640 });
    expect(totalCalls(calls)).toBe(8641);
  });

  it('counts a command first seen between the readings in full, and nothing for no requests', () => {
    expect(callsPerRequest({}, { get: 200 }, 100)).toEqual({ get: 2 });
    expect(callsPerRequest({}, { get: 200 }, 0)).toEqual({});
  });
});
