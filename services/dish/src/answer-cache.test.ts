// An answer is built once per request and last id, and kept within a bound.
import { describe, expect, it } from 'vitest';
import { AnswerCache } from './answer-cache.js';

describe('AnswerCache', () => {
  it('builds once per key and last id, again when the last id moves, and forgets the oldest past its capacity', async () => {
    const cache = new AnswerCache(2);
    let builds = 0;
    const build = (body: string) => () => {
      builds++;
      return Promise.resolve(body);
    };
    expect(await cache.get('a', '1-0', build('a@1'))).toBe('a@1');
    expect(await cache.get('a', '1-0', build('never'))).toBe('a@1');
    expect(await cache.get('a', '2-0', build('a@2'))).toBe('a@2');
    expect(builds).toBe(2);
    await cache.get('b', '2-0', build('b'));
    await cache.get('c', '2-0', build('c'));
    expect(await cache.get('a', '2-0', build('a again'))).toBe('a again');
    expect(builds).toBe(5);
  });
});
