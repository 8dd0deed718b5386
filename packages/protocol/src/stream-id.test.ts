import { describe, expect, it } from 'vitest';
import { compareStreamIds, isStreamId, ZERO_ID } from './stream-id.js';

describe('isStreamId', () => {
  it.each(['0-0', '1-0', '0-1', '1700000000000-0', '1700000000000-42', '18446744073709551615-18446744073709551615'])(
    'accepts %s',
    (id) => expect(isStreamId(id)).toBe(true),
  );

  it.each([
    '',
    '0',
    '-0',
    '0-',
    '1700000000000',
    '1700000000000-*',
    '*',
    '$',
    '01-0',
    '1-00',
    '+1-0',
    '1.5-0',
    '1-0 ',
    ' 1-0',
    '1-0\n',
    '1-2-3',
    'a-b',
    '١-٠',
    '18446744073709551616-0',
    '0-18446744073709551616',
    '99999999999999999999-0',
    '123456789012345678901-0',
  ])('rejects %j', (id) => expect(isStreamId(id)).toBe(false));

  it('rejects values that are not strings', () => {
    for (const value of [undefined, null, 0, 1700000000000, {}, ['1-0']]) expect(isStreamId(value)).toBe(false);
  });

  it('treats the zero id as valid', () => expect(isStreamId(ZERO_ID)).toBe(true));
});

describe('compareStreamIds', () => {
  const sign = (a: string, b: string) => Math.sign(compareStreamIds(a, b));

  it('orders by milliseconds first, then sequence', () => {
    expect(sign('1-0', '2-0')).toBe(-1);
    expect(sign('2-0', '1-99')).toBe(1);
    expect(sign('5-5', '5-5')).toBe(0);
  });

  it('orders equal-millisecond ids by sequence numerically, not as text', () => {
    expect(sign('1700000000000-9', '1700000000000-10')).toBe(-1);
    expect(sign('1700000000000-10', '1700000000000-9')).toBe(1);
  });

  it('orders numbers of different lengths numerically', () => {
    expect(sign('999-0', '1000-0')).toBe(-1);
    expect(sign('9-0', '10-0')).toBe(-1);
    expect(sign('0-0', '1-0')).toBe(-1);
  });

  it('orders numbers past 2^53 exactly, where floats would tie', () => {
    const a = '9007199254740993-0';
    const b = '9007199254740992-0';
    expect(Number('9007199254740993')).toBe(Number('9007199254740992'));
    expect(sign(a, b)).toBe(1);
    expect(sign('18446744073709551615-0', '18446744073709551614-0')).toBe(1);
    expect(sign('1-18446744073709551615', '1-18446744073709551614')).toBe(1);
  });

  it('sorts a shuffled list into stream order', () => {
    const ordered = ['0-0', '0-1', '1-0', '9-3', '10-0', '10-2', '10-10', '1700000000000-0', '1700000000000-1', '17000000000000-0'];
    const shuffled = [...ordered].reverse();
    shuffled.push(shuffled.shift() as string);
    expect(shuffled.sort(compareStreamIds)).toEqual(ordered);
  });
});
