// A minimal typed event emitter that runs in browsers and Node alike.
export type Listener<A extends unknown[]> = (...args: A) => void;

export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  // Each set holds listeners of its own event's signature; the map cannot say that, so emit() narrows.
  readonly #listeners = new Map<keyof Events, Set<unknown>>();

  /** Adds a listener; the returned function removes it. */
  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emit<K extends keyof Events>(name: K, ...args: Events[K]): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    for (const listener of [...set]) (listener as Listener<Events[K]>)(...args);
  }
}
