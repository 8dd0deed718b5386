// A client that follows the log as a dashboard does and records what it got: after every disconnect it reconnects, to
// the next of its URLs, with its last id (WS ?since=, SSE Last-Event-ID), so a test can judge it against the log.
import { compareStreamIds, type ServerMessage, type SnapshotMessage } from '@dish-live/protocol';
import type { GatewayKind } from './gateway.js';
import { SseClient, WsClient } from './message-clients.js';

export interface Delivered {
  id: string;
  prev: string;
  type: string;
}

/** One logical client over WebSocket or SSE: reconnects with its last id after every disconnect until closed. */
export class RecordingClient {
  /** `instance` of each snapshot or resumed message, in connection order. */
  readonly instances: string[] = [];
  readonly events: Delivered[] = [];
  /** Milliseconds from each event's publish time (`ts`) to its arrival here; the services run on this machine's clock. */
  readonly latencies: number[] = [];
  /** How each connection ended (close code, end of stream, status), for failure messages. */
  readonly endings: string[] = [];
  /** What broke the chain as it arrived: a resume at another id, a `state`, an event whose prev is not the last id. */
  readonly problems: string[] = [];
  /** The close code of each WebSocket connection that ended. */
  readonly closeCodes: number[] = [];
  /** Every `retry:` its SSE streams sent. */
  readonly retries: number[] = [];
  startId: string | undefined;
  lastId: string | undefined;
  /** The latest snapshot, whole: a test compares it with the log. */
  lastSnapshot: SnapshotMessage | undefined;
  snapshots = 0;
  resumes = 0;
  /** Conflated `state` deliveries: they stand for events, so a client that got one cannot prove exactly-once. */
  states = 0;
  reconnects = 0;

  #client: WsClient | SseClient | undefined;
  #next = 0;
  #closed = false;
  #retryMs = 200;
  #waiters = new Set<() => void>();

  /** `urls`: where it connects, in turn (ws://…/ws or http://…/sse). */
  constructor(
    readonly kind: GatewayKind,
    readonly urls: readonly string[],
  ) {}

  /** The instance serving the current connection. */
  get instance(): string | undefined {
    return this.instances.at(-1);
  }

  /** The ids of the events it got, in order. */
  get ids(): string[] {
    return this.events.map((e) => e.id);
  }

  /** Connected and past its first snapshot. */
  get connected(): boolean {
    return this.#client !== undefined && !this.#client.closed && this.snapshots > 0;
  }

  start(): this {
    this.#open();
    return this;
  }

  close(): void {
    this.#closed = true;
    this.#client?.close();
  }

  /** Resolves once `done()` holds, re-checked after every message; fails after `ms` naming `what`. */
  until(done: () => boolean, ms: number, what: string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`${this.kind} client: ${what} not within ${ms} ms (${this.describe()})`));
      }, ms);
      this.#waiters.add(check);
    });
  }

  describe(): string {
    return (
      `start ${this.startId ?? '-'}, last ${this.lastId ?? '-'}, events ${this.events.length}, snapshots ${this.snapshots}, ` +
      `resumes ${this.resumes}, states ${this.states}, instances [${this.instances.join(' ')}], endings [${this.endings.join(', ')}]`
    );
  }

  #open(): void {
    if (this.#closed) return;
    const url = this.urls[this.#next++ % this.urls.length]!;
    const client =
      this.kind === 'ws'
        ? new WsClient(this.lastId ? `${url}?since=${encodeURIComponent(this.lastId)}` : url)
        : new SseClient(url, { accept: 'text/event-stream', ...(this.lastId ? { 'last-event-id': this.lastId } : {}) });
    this.#client = client;
    client.opened.catch(() => undefined);
    client.onMessage = (m) => this.#message(m);
    client.onClose = () => this.#ended(client);
  }

  #message(m: ServerMessage): void {
    switch (m.type) {
      case 'snapshot':
        this.snapshots++;
        this.lastSnapshot = m;
        this.startId ??= m.id;
        this.lastId = m.id;
        this.instances.push(m.instance);
        break;
      case 'resumed':
        this.resumes++;
        if (m.id !== this.lastId) this.problems.push(`resumed at ${m.id}, expected ${this.lastId}`);
        this.instances.push(m.instance);
        break;
      case 'state':
        this.states++;
        this.problems.push(`unexpected state ${m.id}`);
        this.lastId = m.id;
        break;
      default:
        if ('prev' in m) {
          if (m.prev !== this.lastId) this.problems.push(`event ${m.id} has prev ${m.prev}, expected ${this.lastId}`);
          this.events.push({ id: m.id, prev: m.prev, type: m.type });
          this.latencies.push(Date.now() - m.ts);
          this.lastId = m.id;
        }
    }
    for (const waiter of [...this.#waiters]) waiter();
  }

  #ended(client: WsClient | SseClient): void {
    if (client instanceof WsClient) {
      if (client.closeCode !== undefined) this.closeCodes.push(client.closeCode);
      this.endings.push(`ws close ${client.closeCode ?? '-'}`);
    } else {
      this.retries.push(...client.retries);
      this.#retryMs = client.retries.at(-1) ?? this.#retryMs;
      this.endings.push(client.status === 200 ? 'sse end' : `sse status ${client.status ?? '-'}`);
    }
    if (this.#closed) return;
    this.reconnects++;
    // Jittered, like the real client, so that one replica's clients do not all land in the same millisecond.
    const delay = Math.min(this.#retryMs, 2000) * (0.5 + Math.random());
    setTimeout(() => this.#open(), delay);
  }
}

/** What went wrong between a client's deliveries and the log: empty when it got every event once, in order, chained by prev. */
export function deliveryProblems(client: RecordingClient, log: Delivered[], until: string): string[] {
  const problems: string[] = [];
  if (client.startId === undefined) return ['never received a snapshot'];
  if (client.snapshots !== 1) problems.push(`${client.snapshots} snapshots (a resume fell back to a fresh snapshot)`);
  if (client.states !== 0) problems.push(`${client.states} conflated state messages`);
  const start = client.startId;
  const expected = log.filter((e) => compareStreamIds(e.id, start) > 0).map((e) => e.id);
  const got = client.events.filter((e) => compareStreamIds(e.id, until) <= 0).map((e) => e.id);
  const seen = new Set<string>();
  const duplicates = got.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
  const missing = expected.filter((id) => !seen.has(id));
  const inLog = new Set(expected);
  const extra = [...seen].filter((id) => !inLog.has(id));
  if (duplicates.length) problems.push(`${duplicates.length} duplicates (first ${duplicates[0]})`);
  if (missing.length) problems.push(`${missing.length} missing of ${expected.length} (first ${missing[0]})`);
  if (extra.length) problems.push(`${extra.length} not in the log (first ${extra[0]})`);
  if (!problems.length && got.join() !== expected.join()) problems.push('events out of order');
  let prev = start;
  for (const e of client.events) {
    if (e.prev !== prev) {
      problems.push(`broken chain at ${e.id}: prev ${e.prev}, expected ${prev}`);
      break;
    }
    prev = e.id;
  }
  return problems;
}
