// Coalesces any number of "something changed" calls into at most one render per animation frame.
export type FrameRequest = (cb: (time: number) => void) => number;
export type FrameCancel = (handle: number) => void;

export interface FrameScheduler {
  /** Asks for a render on the next frame; calls before that frame add nothing. */
  schedule(): void;
  /** Drops a pending frame (unmount, shutdown). */
  cancel(): void;
  readonly pending: boolean;
}

export function createFrameScheduler(
  render: (time: number) => void,
  request: FrameRequest = (cb) => requestAnimationFrame(cb),
  cancelFrame: FrameCancel = (h) => cancelAnimationFrame(h),
): FrameScheduler {
  let handle: number | undefined;
  return {
    schedule() {
      if (handle !== undefined) return;
      handle = request((time) => {
        handle = undefined;
        render(time);
      });
    },
    cancel() {
      if (handle === undefined) return;
      cancelFrame(handle);
      handle = undefined;
    },
    get pending() {
      return handle !== undefined;
    },
  };
}
