// Identical reads from many callers at once (a restarted gateway's clients all resuming from the same id) share one
// Redis read — but only one issued after they asked: a read already in flight may have run before an event the
// caller must not miss was written, and the caller's live events only start waiting when it asks.

interface Waiter<V> {
  resolve(value: V): void;
  reject(err: unknown): void;
}

interface KeyState<V> {
  running: boolean;
  /** Callers that asked after the running read was issued: the next read is theirs. */
  waiting: Waiter<V>[];
}

export class ReadBatcher<K, V> {
  readonly #keys = new Map<K, KeyState<V>>();
  #reads = 0;

  constructor(private readonly read: (key: K) => Promise<V>) {}

  /** Reads issued so far (each served every caller that was waiting when it left). */
  get reads(): number {
    return this.#reads;
  }

  /** The value of a read of `key` issued no earlier than this call, shared with every caller waiting with it. */
  get(key: K): Promise<V> {
    let state = this.#keys.get(key);
    if (!state) this.#keys.set(key, (state = { running: false, waiting: [] }));
    const value = new Promise<V>((resolve, reject) => state.waiting.push({ resolve, reject }));
    if (!state.running) this.#run(key, state);
    return value;
  }

  #run(key: K, state: KeyState<V>): void {
    const batch = state.waiting;
    state.waiting = [];
    state.running = true;
    this.#reads++;
    const done = () => {
      state.running = false;
      // Those who asked meanwhile get a read of their own; with none, the key is forgotten (nothing kept per id).
      if (state.waiting.length > 0) this.#run(key, state);
      else this.#keys.delete(key);
    };
    this.read(key).then(
      (value) => {
        for (const w of batch) w.resolve(value);
        done();
      },
      (err: unknown) => {
        for (const w of batch) w.reject(err);
        done();
      },
    );
  }
}
