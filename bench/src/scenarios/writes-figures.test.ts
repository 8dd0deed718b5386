import { describe, expect, it } from 'vitest';
import { compareWrites, usPerRequest, writeRequests, writesFailures, writesSummaryLine, type WritesResult, type WritesStep } from './writes-figures.js';
import { requestBytes } from '../loadgen/http-load.js';

const step = (server: 'dish' | 'bare', connections: number, reqPerSec: number, more: Partial<WritesStep> = {}): WritesStep => ({
  server, connections, requests: reqPerSec * 2, reqPerSec,
  latency: { p50: 1, p90: 2, p99: 3, p999: 4, max: 4, mean: 1, count: reqPerSec * 2 },
  statuses: { 200: reqPerSec * 2 }, non2xx: 0, errors: 0,
  cpu: { server: 100, redis: 10, loadgen: 50, serverCore: 100, loadgenCore: 60 },
  serverUsPerRequest: 100, redisUsPerRequest: 10, redisCalls: {}, loadgenLimited: false, contended: false,
  ...more,
});
const result = (steps: WritesStep[], status: WritesResult['status'] = 'ok'): WritesResult => ({ status, durationMs: 2000, dishes: 2, steps });

describe('writeRequests', () => {
  it('PATCHes every dish with each stock in turn, the token only where given, the same bodies for both', () => {
    const dish = writeRequests(['a', 'b c'], 'tok');
    const bare = writeRequests(['a', 'b c'], undefined);
    expect(dish.map((r) => `${r.method} ${r.path} ${r.body}`)).toEqual([
      'PATCH /api/dishes/a {"stock":40}', 'PATCH /api/dishes/b%20c {"stock":40}', 'PATCH /api/dishes/a {"stock":41}', 'PATCH /api/dishes/b%20c {"stock":41}',
    ]);
    expect(dish[0]!.headers).toEqual({ Authorization: 'Bearer tok' });
    expect(bare[0]!.headers).toBeUndefined();
    expect(bare.map((r) => r.body)).toEqual(dish.map((r) => r.body));
  });

  it('makes requests whose bytes carry the body with its length', () => {
    const text = requestBytes(8080, writeRequests(['a'], 'tok')[0]!).toString('latin1');
    expect(text).toBe(
      'PATCH /api/dishes/a HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: application/json\r\nAuthorization: Bearer tok\r\n' +
        'Content-Type: application/json\r\nContent-Length: 12\r\n\r\n{"stock":40}',
    );
  });
});

describe('usPerRequest', () => {
  it('turns percent of a core over a time into µs per request', () => {
    expect(usPerRequest(50, 2000, 1000)).toBe(1000);
    expect(usPerRequest(50, 2000, 0)).toBeNull();
  });
});

describe('compareWrites', () => {
  it('compares each server at its best clean step', () => {
    const c = compareWrites(result([step('dish', 8, 700), step('bare', 8, 1000), step('dish', 32, 800), step('bare', 32, 1500, { errors: 1 })]));
    expect(c.dish?.reqPerSec).toBe(800);
    expect(c.bare?.reqPerSec).toBe(1000);
    expect(c.ratio).toBe(0.8);
    expect(c.met).toBe(true);
    expect(writesSummaryLine(result([step('dish', 8, 600, { serverUsPerRequest: 125 }), step('bare', 8, 1000)])).value).toBe('0.6× (dish 600 req/s p99 3 ms; bare 1.0k req/s p99 3 ms; per CPU-second 0.8×)');
  });

  it('has no ratio without a clean step of both', () => {
    expect(compareWrites(result([step('dish', 8, 700)])).ratio).toBeNull();
    expect(compareWrites(undefined).met).toBeNull();
  });
});

describe('writesFailures', () => {
  it('fails on errors, non-2xx answers and a failed run, not on a low ratio', () => {
    expect(writesFailures(result([step('dish', 8, 100), step('bare', 8, 1000)]))).toEqual([]);
    expect(writesFailures(result([step('dish', 8, 100, { non2xx: 3, statuses: { 429: 3 } })]))).toEqual(['writes dish @8: 0 errors, 3 non-2xx']);
    expect(writesFailures(result([], 'failed'))).toHaveLength(1);
  });
});
