// The churn scenario's clients: held open while their server is killed, each keeping the id of the last event it saw,
// then all reconnected at once with that id, timing the accept and the server's first answer.
import type { Socket } from 'node:net';
import { openSseStream, openWs } from '@dish-live/test-support';
import { closedRightAfterUpgrade } from './early-close.js';
import type { ClientKind } from './ipc.js';
import { BENCH_DISH_ID } from './message.js';
import { SseStreamParser } from './sse-client.js';
import { emptyCounters, LatencyHistogram, SequenceTracker, type Counters, type HistogramData } from './stats.js';

/** One held client's account of what it got, across its connections. */
export interface HeldState {
  /** The id of the last event (or snapshot) it saw: what it resumes from. */
  lastId: string | undefined;
  sequence: SequenceTracker;
  counters: Counters;
  /** The type of the first message on its current connection (`resumed`, `snapshot`, …), once one arrived. */
  first: string | undefined;
}

export const newHeldState = (): HeldState => ({ lastId: undefined, sequence: new SequenceTracker(), counters: emptyCounters(), first: undefined });

interface Message {
  type?: string;
  id?: string;
  data?: { dish?: { id?: string; version?: number } };
  dishes?: { id?: string; version?: number }[];
}

/**
 * Accounts one message: events advance the bench dish's sequence (a gap is lost, a repeat or step back reordered) and
 * the last id; a snapshot or conflated state sets both; `resumed` carries the id resumed after, which the client holds.
 * JSON.parse per message: a churn run sends tens of events, not a fan-out's millions.
 */
export function accountHeld(state: HeldState, text: string): void {
  const m = JSON.parse(text) as Message;
  const type = m.type ?? '';
  state.first ??= type;
  if (type.startsWith('dish.') || type.startsWith('chat.')) {
    state.counters.events++;
    if (m.id !== undefined) state.lastId = m.id;
    const dish = m.data?.dish;
    if (dish?.id === BENCH_DISH_ID && typeof dish.version === 'number') state.sequence.event(dish.version, state.counters);
    return;
  }
  state.counters.control++;
  if (type === 'snapshot' || type === 'state') {
    if (m.id !== undefined) state.lastId = m.id;
    const version = m.dishes?.find((d) => d.id === BENCH_DISH_ID)?.version;
    if (typeof version === 'number') state.sequence.jump(version, state.counters, type === 'state');
  }
}

/** The path and headers a client reconnects with: WS `?since=`, SSE `Last-Event-ID` (as a browser's EventSource). */
export function resumeRequest(kind: ClientKind, path: string, lastId: string | undefined): { path: string; headers: Record<string, string> } {
  if (lastId === undefined) return { path, headers: {} };
  if (kind === 'sse') return { path, headers: { 'Last-Event-ID': lastId } };
  return { path: `${path}${path.includes('?') ? '&' : '?'}since=${encodeURIComponent(lastId)}`, headers: {} };
}

interface Held extends HeldState {
  socket: Socket | undefined;
  open: boolean;
}

const held: Held[] = [];
let heldKind: ClientKind = 'ws';
/** How long one client may take to open (and answer, when waited for) before it counts as failed. */
const OPEN_TIMEOUT_MS = 60_000;

const now = () => performance.timeOrigin + performance.now();

interface Opened {
  error?: string;
  /** When the upgrade (WS 101) or the stream's response head (SSE 200) arrived, and the first message; ms since the epoch. */
  openAt: number;
  firstAt: number;
}

type Handlers = Parameters<typeof openWs>[2];

function connectOne(port: number, request: { path: string; headers: Record<string, string> }, handlers: Handlers): Socket {
  if (heldKind !== 'sse') return openWs(port, request.path, handlers);
  const parser = new SseStreamParser(handlers.onText);
  return openSseStream(port, request.path, { headers: { 'Cache-Control': 'no-cache', ...request.headers } }, {
    onOpen: handlers.onOpen, onBody: (bytes) => parser.push(bytes), onEnd: handlers.onEnd,
  });
}

/** Opens one connection for `client`; settles at the open, or at the first message with `untilFirstMessage`. */
function openHeld(client: Held, port: number, path: string, untilFirstMessage: boolean, resume: boolean): Promise<Opened> {
  return new Promise((resolve) => {
    const out: Opened = { openAt: 0, firstAt: 0 };
    let settled = false;
    const settle = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(error === undefined ? out : { ...out, error });
    };
    const timer = setTimeout(() => {
      settle(client.open ? 'no first message' : 'connect timeout');
      client.open = false;
      client.socket?.destroy();
    }, OPEN_TIMEOUT_MS);
    const onOpen = () => {
      out.openAt = now();
      client.open = true;
      if (!untilFirstMessage) settle();
    };
    const onText = (buf: Buffer, start: number, end: number) => {
      if (out.firstAt === 0) out.firstAt = now();
      accountHeld(client, buf.toString('utf8', start, end));
      settle();
    };
    // A connection destroyed for a reconnect ends after its successor opened: only the current one is the client's.
    const onEnd = (reason: string) => {
      if (client.socket === socket) {
        client.open = false;
        client.socket = undefined;
      }
      settle(reason);
    };
    client.first = undefined;
    client.open = false;
    const request = resumeRequest(heldKind, path, resume ? client.lastId : undefined);
    const socket = connectOne(port, request, { onOpen, onText, onEnd });
    client.socket = socket;
  });
}

/** `openHeld`, again once (with its last id) when uWS closed it right after its 101; the caller counts that. */
async function openHeldOrRetry(client: Held, port: number, path: string, untilFirstMessage: boolean, resume: boolean): Promise<Opened & { earlyClose: boolean }> {
  const r = await openHeld(client, port, path, untilFirstMessage, resume);
  if (!closedRightAfterUpgrade({ kind: heldKind, untilFirstMessage, upgraded: r.openAt > 0, error: r.error })) return { ...r, earlyClose: false };
  return { ...(await openHeld(client, port, path, untilFirstMessage, resume)), earlyClose: true };
}

/** Opens `count` held clients, `concurrency` at a time; each counts once its first message arrived (`untilFirstMessage`) or at the open. */
export async function hold(kind: ClientKind, port: number, path: string, count: number, concurrency: number, untilFirstMessage: boolean) {
  if (kind === 'socketio') throw new Error('held clients speak WS or SSE');
  heldKind = kind;
  let connected = 0;
  let failed = 0;
  let earlyCloses = 0;
  let firstError: string | undefined;
  let next = 0;
  const lane = async () => {
    while (next++ < count) {
      const client: Held = { ...newHeldState(), socket: undefined, open: false };
      const r = await openHeldOrRetry(client, port, path, untilFirstMessage, false);
      if (r.earlyClose) earlyCloses++;
      if (r.error === undefined) {
        connected++;
        held.push(client);
      } else {
        failed++;
        firstError ??= r.error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { connected, failed, earlyCloses, ...(firstError ? { firstError } : {}) };
}

/** One worker's reconnect: every held client at once, timed from its own attempt. */
export interface ReconnectReport {
  attempted: number;
  opened: number;
  failed: number;
  firstError?: string;
  /** ms since the epoch: the first attempt, the last open, the last first message (0 when none). */
  firstAttemptAt: number;
  lastOpenAt: number;
  lastFirstAt: number;
  /** Per client, from its attempt to its open (WS 101 / SSE 200), and to its first message when waited for. */
  open: HistogramData;
  first: HistogramData;
  /** The first message's type on each new connection: `resumed`, `snapshot`, … */
  firstTypes: Record<string, number>;
  /** Failed reconnects by reason (`connect timeout`, `read ECONNRESET`, …). */
  errors: Record<string, number>;
  /** Clients closed right after their 101 and reconnected once (`openHeldOrRetry`). */
  earlyCloses: number;
}

/**
 * Every held client reconnects at once (one synchronous loop of connects), with its last id when `resume`. Held
 * clients still open are closed first: a reconnect after a kill finds none.
 */
export async function reconnect(port: number, path: string, resume: boolean, untilFirstMessage: boolean): Promise<ReconnectReport> {
  for (const c of held) if (c.open) c.socket?.destroy();
  const open = new LatencyHistogram();
  const first = new LatencyHistogram();
  const report: Omit<ReconnectReport, 'open' | 'first'> = {
    attempted: held.length, opened: 0, failed: 0, firstAttemptAt: 0, lastOpenAt: 0, lastFirstAt: 0, firstTypes: {}, errors: {}, earlyCloses: 0,
  };
  report.firstAttemptAt = now();
  const results = held.map((c) => {
    const attemptAt = now();
    return openHeldOrRetry(c, port, path, untilFirstMessage, resume).then((r) => ({ r, attemptAt, c }));
  });
  for (const { r, attemptAt, c } of await Promise.all(results)) {
    if (r.earlyClose) report.earlyCloses++;
    if (r.openAt > 0) {
      report.opened++;
      open.record(r.openAt - attemptAt);
      report.lastOpenAt = Math.max(report.lastOpenAt, r.openAt);
    }
    if (r.firstAt > 0) {
      first.record(r.firstAt - attemptAt);
      report.lastFirstAt = Math.max(report.lastFirstAt, r.firstAt);
      report.firstTypes[c.first ?? '?'] = (report.firstTypes[c.first ?? '?'] ?? 0) + 1;
    }
    if (r.error !== undefined) {
      report.failed++;
      report.firstError ??= r.error;
      report.errors[r.error] = (report.errors[r.error] ?? 0) + 1;
    }
  }
  return { ...report, open: open.toData(), first: first.toData() };
}

/** The held clients against the publisher's last sequence number `target`. */
export interface HeldReport {
  clients: number;
  open: number;
  /** Events open clients still miss up to `target`; open clients that never saw the bench dish are `silent`. */
  behind: number;
  silent: number;
  /** Clients without a last id to resume from. */
  withoutId: number;
  counters: Counters;
}

export function heldReport(target: number): HeldReport {
  const out: HeldReport = { clients: held.length, open: 0, behind: 0, silent: 0, withoutId: 0, counters: emptyCounters() };
  for (const c of held) {
    if (c.lastId === undefined) out.withoutId++;
    // A client not back from the storm is counted by the reconnect, not as owing events.
    if (c.open) {
      out.open++;
      if (c.sequence.last < 0) out.silent++;
      else if (c.sequence.last < target) out.behind += target - c.sequence.last;
    }
    for (const key of Object.keys(out.counters) as (keyof Counters)[]) out.counters[key] += c.counters[key];
  }
  return out;
}

export function closeHeld(): void {
  for (const c of held.splice(0)) {
    c.open = false;
    c.socket?.destroy();
  }
}
