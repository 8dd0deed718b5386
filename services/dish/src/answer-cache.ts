// Answers kept per request and last event id: every change moves the last id, so an answer given for one last id is
// the right answer until the next change, and many dashboards asking the same thing cost one build.

/** The cache as one restaurant's routes see it. */
export interface CachedAnswers {
  get(key: string, last: string, build: () => Promise<string>): Promise<string>;
}

export class AnswerCache implements CachedAnswers {
  readonly #entries = new Map<string, { last: string; body: string }>();

  constructor(private readonly capacity = 256) {}

  /** The body built for `key` at `last`, building and keeping it when there is none. */
  async get(key: string, last: string, build: () => Promise<string>): Promise<string> {
    const hit = this.#entries.get(key);
    if (hit?.last === last) return hit.body;
    const body = await build();
    this.#entries.delete(key);
    this.#entries.set(key, { last, body });
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
    return body;
  }

  /**
   * The same cache with every key under `scope` (a restaurant id): two restaurants' logs have unrelated ids, and a
   * last id of one may well be a last id of the other, so the key alone must keep their answers apart. One cache for
   * every restaurant keeps the memory bound the same however many there are.
   */
  scoped(scope: string): CachedAnswers {
    return { get: (key, last, build) => this.get(`${scope} ${key}`, last, build) };
  }
}
