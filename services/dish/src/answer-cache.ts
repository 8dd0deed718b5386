// Answers kept per request and last event id: every change moves the last id, so an answer given for one last id is
// the right answer until the next change, and many dashboards asking the same thing cost one build.
export class AnswerCache {
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
}
