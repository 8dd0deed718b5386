// Test clients for the compose stack: a WebSocket or SSE connection through nginx that records every message and resumes like a real client.
import http from 'node:http';
import WebSocket from 'ws';
import { EVENT_TYPES, SseParser, compareStreamIds } from '@dish-live/protocol';

export interface Delivered {
  id: string;
  prev: string;
  type: string;
}

type Kind = 'ws' | 'sse';

const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

/** One logical client: reconnects with its last id after every disconnect until closed. */
export class RecordingClient {
  /** `instance` of each snapshot or resumed message, in connection order. */
  readonly instances: string[] = [];
  readonly events: Delivered[] = [];
  /** Milliseconds from each event's publish time (`ts`) to its arrival here; the stack runs on this machine's clock. */
  readonly latencies: number[] = [];
  /** How each connection ended (close code, end of stream, error), for failure messages. */
  readonly endings: string[] = [];
  startId: string | undefined;
  lastId: string | undefined;
  snapshots = 0;
  resumes = 0;
  /** Conflated `state` deliveries: they stand for events, so a client that got one cannot prove exactly-once. */
  states = 0;
  connections = 0;

  #closed = false;
  #retryMs = 200;
  #ws: WebSocket | undefined;
  #req: http.ClientRequest | undefined;
  #waiters = new Set<() => void>();

  constructor(
    readonly kind: Kind,
    private readonly port: number,
  ) {}

  /** The instance serving the current connection. */
  get instance(): string | undefined {
    return this.instances.at(-1);
  }

  start(): void {
    if (this.kind === 'ws') this.#openWs();
    else this.#openSse();
  }

  close(): void {
    this.#closed = true;
    this.#ws?.terminate();
    this.#req?.destroy();
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

  #onMessage(text: string): void {
    const msg = JSON.parse(text) as { type: string; id?: string; prev?: string; ts?: number; instance?: string };
    if (msg.type === 'snapshot') {
      this.snapshots++;
      this.startId ??= msg.id;
      this.lastId = msg.id;
      if (msg.instance) this.instances.push(msg.instance);
    } else if (msg.type === 'resumed') {
      this.resumes++;
      if (msg.instance) this.instances.push(msg.instance);
    } else if (msg.type === 'state') {
      this.states++;
      this.lastId = msg.id;
    } else if (EVENT_TYPE_SET.has(msg.type) && msg.id !== undefined && msg.prev !== undefined) {
      this.events.push({ id: msg.id, prev: msg.prev, type: msg.type });
      if (msg.ts !== undefined) this.latencies.push(Date.now() - msg.ts);
      this.lastId = msg.id;
    }
    for (const waiter of [...this.#waiters]) waiter();
  }

  #reconnectLater(why: string): void {
    this.endings.push(why);
    if (this.#closed) return;
    // Jittered, like the real client, so that one replica's clients do not all land in the same millisecond.
    const delay = Math.min(this.#retryMs, 2000) * (0.5 + Math.random());
    setTimeout(() => (this.kind === 'ws' ? this.#openWs() : this.#openSse()), delay);
  }

  #openWs(): void {
    if (this.#closed) return;
    const since = this.lastId ? `?since=${encodeURIComponent(this.lastId)}` : '';
    const ws = new WebSocket(`ws://127.0.0.1:${this.port}/ws${since}`);
    this.#ws = ws;
    ws.on('open', () => this.connections++);
    ws.on('message', (data: Buffer) => this.#onMessage(data.toString('utf8')));
    ws.on('error', () => {}); // the close that follows carries the outcome
    ws.on('close', (code) => this.#reconnectLater(`ws close ${code}`));
  }

  #openSse(): void {
    if (this.#closed) return;
    let ended = false;
    const end = (why: string) => {
      if (ended) return;
      ended = true;
      this.#reconnectLater(why);
    };
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.lastId) headers['last-event-id'] = this.lastId;
    const req = http.get({ host: '127.0.0.1', port: this.port, path: '/sse', headers }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        res.on('end', () => end(`sse status ${res.statusCode}`));
        return;
      }
      this.connections++;
      const parser = new SseParser({
        onEvent: (event) => this.#onMessage(event.data),
        onRetry: (ms) => (this.#retryMs = ms),
      });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => parser.feed(chunk));
      res.on('end', () => end('sse end'));
      res.on('error', (err) => end(`sse ${err.message}`));
    });
    this.#req = req;
    req.on('error', (err) => end(`sse ${err.message}`));
  }
}

/** Every event in the log after `since` up to and including `until`, read through the polling endpoint. */
export async function logBetween(port: number, since: string, until: string): Promise<Delivered[]> {
  const out: Delivered[] = [];
  let cursor = since;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/api/events?since=${encodeURIComponent(cursor)}&limit=10000`);
    if (!res.ok) throw new Error(`GET /api/events?since=${cursor}: ${res.status}`);
    const body = (await res.json()) as { recovered: boolean; events?: Delivered[]; last?: string; more?: boolean };
    if (!body.recovered || !body.events) throw new Error(`the log no longer holds ${cursor}: the test window is too long for STREAM_MAXLEN`);
    for (const e of body.events) {
      if (compareStreamIds(e.id, until) > 0) return out;
      out.push({ id: e.id, prev: e.prev, type: e.type });
    }
    if (!body.more || body.last === undefined || body.last === cursor) return out;
    cursor = body.last;
  }
}

/** The newest event id in the log, starting the search from a known id. */
export async function lastLogId(port: number, from: string): Promise<string> {
  let cursor = from;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/api/events?since=${encodeURIComponent(cursor)}&limit=10000`);
    if (!res.ok) throw new Error(`GET /api/events?since=${cursor}: ${res.status}`);
    const body = (await res.json()) as { recovered: boolean; last?: string; more?: boolean; snapshot?: { id: string } };
    if (!body.recovered) return body.snapshot?.id ?? cursor;
    if (!body.more) return body.last ?? cursor;
    cursor = body.last ?? cursor;
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
