import { describe, expect, it } from 'vitest';
import { createFrameScheduler } from './frame-scheduler.js';

function fakeFrames() {
  const queue = new Map<number, (t: number) => void>();
  let next = 1;
  return {
    request: (cb: (t: number) => void) => (queue.set(next, cb), next++),
    cancel: (h: number) => void queue.delete(h),
    flush(time = 16) {
      const cbs = [...queue.values()];
      queue.clear();
      cbs.forEach((cb) => cb(time));
    },
    get size() {
      return queue.size;
    },
  };
}

describe('createFrameScheduler', () => {
  it('turns any number of schedule() calls into one render per frame', () => {
    const frames = fakeFrames();
    let renders = 0;
    const s = createFrameScheduler(() => renders++, frames.request, frames.cancel);
    for (let i = 0; i < 1000; i++) s.schedule();
    expect(frames.size).toBe(1);
    frames.flush();
    expect(renders).toBe(1);
    s.schedule();
    frames.flush();
    expect(renders).toBe(2);
  });

  it('drops a pending frame on cancel', () => {
    const frames = fakeFrames();
    let renders = 0;
    const s = createFrameScheduler(() => renders++, frames.request, frames.cancel);
    s.schedule();
    expect(s.pending).toBe(true);
    s.cancel();
    frames.flush();
    expect(renders).toBe(0);
    expect(s.pending).toBe(false);
  });

  it('lets the render schedule the next frame', () => {
    const frames = fakeFrames();
    let renders = 0;
    const s = createFrameScheduler(() => {
      if (++renders < 3) s.schedule();
    }, frames.request, frames.cancel);
    s.schedule();
    frames.flush();
    frames.flush();
    frames.flush();
    expect(renders).toBe(3);
  });
});
