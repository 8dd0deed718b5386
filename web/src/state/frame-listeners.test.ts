import { describe, expect, it } from 'vitest';
import { emptyChanges, type ChangeRecord } from '@dish-live/client';
import { FrameListeners } from './frame-listeners.js';

const changed = (id: string, field: 'stock' | 'price' = 'stock'): ChangeRecord => ({ ...emptyChanges(), dishes: new Map([[id, new Set([field])]]) });

describe('FrameListeners', () => {
  it('calls an unthrottled listener every frame and a throttled one at most once per interval', () => {
    const set = new FrameListeners();
    const every: number[] = [];
    const slow: number[] = [];
    set.add((_c, now) => every.push(now));
    set.add((_c, now) => slow.push(now), 500);
    for (let t = 1000; t < 2000; t += 100) set.dispatch(changed('a'), t);
    expect(every).toHaveLength(10);
    expect(slow).toEqual([1000, 1500]);
  });

  it('folds the changes of skipped frames into the next call, and says when that is due', () => {
    const set = new FrameListeners();
    const seen: ChangeRecord[] = [];
    set.add((c) => seen.push(c), 500);
    expect(set.dispatch(changed('a'), 1000)).toBeUndefined();
    expect(set.dispatch(changed('b', 'price'), 1100)).toBe(1500);
    expect(set.dispatch({ ...emptyChanges(), sales: new Set([0]) }, 1200)).toBe(1500);
    expect(set.dispatch(emptyChanges(), 1500)).toBeUndefined();
    expect(seen).toHaveLength(2);
    const folded = seen[1]!;
    expect([...folded.dishes.keys()]).toEqual(['b']);
    expect([...folded.sales]).toEqual([0]);
  });

  it('hands a reset to a throttled listener at once, with what it had skipped', () => {
    const set = new FrameListeners();
    const seen: ChangeRecord[] = [];
    set.add((c) => seen.push(c), 500);
    set.dispatch(changed('a'), 1000);
    set.dispatch(changed('b'), 1100);
    expect(set.dispatch({ ...emptyChanges(), reset: true, removed: new Set(['a']) }, 1200)).toBeUndefined();
    expect(seen).toHaveLength(2);
    expect([seen[1]!.reset, [...seen[1]!.dishes.keys()], [...seen[1]!.removed]]).toEqual([true, ['b'], ['a']]);
  });

  it('asks for no frame while a throttled listener has nothing pending', () => {
    const set = new FrameListeners();
    set.add(() => undefined, 500);
    set.dispatch(changed('a'), 1000);
    expect(set.dispatch(emptyChanges(), 1100)).toBeUndefined();
  });

  it('stops calling a removed listener', () => {
    const set = new FrameListeners();
    let calls = 0;
    const remove = set.add(() => calls++);
    set.dispatch(changed('a'), 1);
    remove();
    set.dispatch(changed('a'), 2);
    expect(calls).toBe(1);
  });
});
