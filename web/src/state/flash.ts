// Which table cells flash: a cell changed within the last `durationMs` flashes, and a new change restarts its flash.
export class FlashTracker {
  // One entry per cell ever changed: bounded by dishes × fields, so nothing is swept.
  readonly #cells = new Map<string, { until: number; phase: 0 | 1 }>();

  constructor(private readonly durationMs = 900) {}

  mark(key: string, now: number): void {
    const prev = this.#cells.get(key);
    // Alternating between two classes on every change makes the browser restart the CSS animation, even when the
    // previous class is still on the element because no render happened since it ended.
    const phase: 0 | 1 = prev ? (prev.phase === 0 ? 1 : 0) : 0;
    this.#cells.set(key, { until: now + this.durationMs, phase });
  }

  classFor(key: string, now: number): string {
    const entry = this.#cells.get(key);
    if (!entry || entry.until <= now) return '';
    return entry.phase === 0 ? 'flash-a' : 'flash-b';
  }
}
