// A load generator process: opens raw clients on the orchestrator's command and counts every message they receive.
import type { Socket } from 'node:net';
import { clock, openWs } from '@dish-live/test-support';
import { closedRightAfterUpgrade } from './early-close.js';
import { closeHeld, heldReport, hold, reconnect } from './held.js';
import { httpLoad } from './http-load.js';
import type { ClientKind, GroupReport, WorkerCommand, WorkerReply } from './ipc.js';
import { accountMessage, BENCH_DISH_ID, type MessageSink } from './message.js';
import { openSse } from './sse-client.js';
import { openSocketIo } from './socketio-client.js';
import { emptyCounters, LatencyHistogram, SequenceTracker } from './stats.js';
import { closeAllWriters, closeWriters, openWriters, write } from './writes.js';

interface Group {
  counters: ReturnType<typeof emptyCounters>;
  latency: LatencyHistogram;
  clients: Client[];
  ended: number;
  lastEventAt: number;
  endReasons: Record<string, number>;
}

interface Client extends MessageSink {
  socket?: Socket;
  open: boolean;
  group: Group;
  /** The path it opened: which sequence it follows when each path has its own (`report`'s targets). */
  path: string;
  /** When its first message arrived (ms since the epoch), 0 before. */
  firstAt: number;
  /** Its upgrade (or response head) arrived. */
  upgraded?: boolean;
}

const groups = new Map<string, Group>();
const pollers: ReturnType<typeof setInterval>[] = [];

function group(name: string): Group {
  let g = groups.get(name);
  if (!g) {
    g = { counters: emptyCounters(), latency: new LatencyHistogram(), clients: [], ended: 0, lastEventAt: 0, endReasons: {} };
    groups.set(name, g);
  }
  return g;
}

/** A client shares its group's counters and histogram, so moving it to another group is two assignments. */
function newClient(g: Group, path = ''): Client {
  return { counters: g.counters, latency: g.latency, sequence: new SequenceTracker(), open: false, group: g, path, firstAt: 0 };
}

/** Only a client that was open ends: failed connects are counted by `connect`, closed ones by nobody. */
function ended(client: Client, reason: string): void {
  if (!client.open) return;
  client.open = false;
  client.socket = undefined;
  const g = client.group;
  g.ended++;
  const key = reason.replace(/\d{2,}/g, 'N').slice(0, 60);
  g.endReasons[key] = (g.endReasons[key] ?? 0) + 1;
}

/** `untilFirstMessage`: settles once the first message arrived rather than at the upgrade (open either way then). */
function openOne(kind: ClientKind, port: number, path: string, client: Client, untilFirstMessage = false): Promise<string | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(error);
    };
    const timer = setTimeout(() => {
      settle(client.open ? 'no first message' : 'connect timeout');
      // Failed, so not counted as a client that ended either.
      client.open = false;
      client.socket?.destroy();
    }, 15_000);
    const onOpen = () => {
      client.open = true;
      client.upgraded = true;
      if (!untilFirstMessage) settle();
    };
    const onMessage = (buf: Buffer, start: number, end: number) => {
      if (client.firstAt === 0) {
        client.firstAt = clock.now;
        settle();
      }
      accountMessage(client, buf, start, end, clock.now);
      client.group.lastEventAt = clock.now;
    };
    const onEnd = (reason: string) => {
      // Before it settled the connect failed: such a client never joined its group, so it did not end either.
      if (!settled) client.open = false;
      settle(reason);
      ended(client, reason);
    };
    client.socket =
      kind === 'ws'
        ? openWs(port, path, { onOpen, onText: onMessage, onEnd })
        : kind === 'sse'
          ? openSse(port, path, { onOpen, onData: onMessage, onEnd })
          : openSocketIo(port, { onOpen, onEvent: onMessage, onEnd });
  });
}

async function connect(cmd: Extract<WorkerCommand, { op: 'connect' }>): Promise<WorkerReply> {
  const started = performance.now();
  const g = group(cmd.group);
  let connected = 0;
  let failed = 0;
  let earlyCloses = 0;
  let firstError: string | undefined;
  const firstMessage = cmd.untilFirstMessage ? new LatencyHistogram() : undefined;
  let next = 0;
  const lane = async () => {
    while (next < cmd.count) {
      const k = next++;
      const path = cmd.spread ? cmd.spread.paths[(cmd.spread.offset + k) % cmd.spread.paths.length]! : cmd.path;
      let client = newClient(g, path);
      const openedAt = performance.timeOrigin + performance.now();
      let error = await openOne(cmd.kind, cmd.port, path, client, cmd.untilFirstMessage);
      if (closedRightAfterUpgrade({ kind: cmd.kind, untilFirstMessage: cmd.untilFirstMessage ?? false, upgraded: client.upgraded ?? false, error })) {
        earlyCloses++;
        client = newClient(g, path);
        error = await openOne(cmd.kind, cmd.port, path, client, cmd.untilFirstMessage);
      }
      if (error === undefined && firstMessage) firstMessage.record(client.firstAt - openedAt);
      if (error === undefined) {
        connected++;
        g.clients.push(client);
      } else {
        failed++;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(cmd.concurrency, cmd.count) }, lane));
  return {
    op: 'connected', connected, failed, ms: Math.round(performance.now() - started),
    ...(earlyCloses ? { earlyCloses } : {}),
    ...(firstError ? { firstError } : {}),
    ...(firstMessage ? { firstMessage: firstMessage.toData() } : {}),
  };
}

interface PollEvent {
  ts: number;
  type: string;
  data?: { dish?: { id?: string; version?: number } };
}
type PollAnswer =
  | { recovered: true; events: PollEvent[]; last: string; more: boolean }
  | { recovered: false; snapshot: { id: string; dishes: { id: string; version: number }[] } };

/** A polling client as the dashboard's fallback runs it: GET /api/events?since=<last> every interval. */
function startPoller(port: number, intervalMs: number, g: Group): void {
  const client = newClient(g);
  client.open = true;
  g.clients.push(client);
  let since: string | undefined;
  let busy = false;
  const poll = async () => {
    if (busy || !client.open) return;
    busy = true;
    try {
      for (let more = true; more; ) {
        const response = await fetch(`http://127.0.0.1:${port}/api/events${since ? `?since=${since}` : ''}`);
        const body = (await response.json()) as PollAnswer;
        const now = performance.timeOrigin + performance.now();
        more = false;
        if (!body.recovered) {
          since = body.snapshot.id;
          const dish = body.snapshot.dishes.find((d) => d.id === BENCH_DISH_ID);
          client.counters.control++;
          if (dish) client.sequence.jump(dish.version, client.counters, false);
          continue;
        }
        if (body.events.length) g.lastEventAt = now;
        for (const event of body.events) {
          client.counters.events++;
          client.latency.record(Math.max(0, now - event.ts));
          const dish = event.data?.dish;
          if (dish?.id === BENCH_DISH_ID && typeof dish.version === 'number') client.sequence.event(dish.version, client.counters);
        }
        since = body.last;
        more = body.more;
      }
    } catch (err) {
      ended(client, `poll: ${(err as Error).message}`);
    } finally {
      busy = false;
    }
  };
  // Spread the pollers over the interval, as independent dashboards would be.
  setTimeout(() => {
    void poll();
    pollers.push(setInterval(() => void poll(), intervalMs));
  }, Math.random() * intervalMs);
}

function report(target = -1, targets?: Record<string, number>): WorkerReply {
  const out: Record<string, GroupReport> = {};
  for (const [name, g] of groups) {
    let minSeq = Infinity;
    let maxSeq = -1;
    let open = 0;
    let behind = 0;
    let silent = 0;
    for (const c of g.clients) {
      if (!c.open) continue;
      open++;
      const due = targets ? (targets[c.path] ?? -1) : target;
      if (c.sequence.last < 0) silent++;
      else if (c.sequence.last < due) behind += due - c.sequence.last;
      if (c.sequence.last < minSeq) minSeq = c.sequence.last;
      if (c.sequence.last > maxSeq) maxSeq = c.sequence.last;
    }
    out[name] = {
      counters: { ...g.counters },
      latency: g.latency.toData(),
      open,
      ended: g.ended,
      minSeq: open ? minSeq : -1,
      maxSeq,
      behind,
      silent,
      lastEventAt: g.lastEventAt,
      endReasons: { ...g.endReasons },
    };
  }
  return { op: 'report', groups: out };
}

function newWindow(): void {
  for (const g of groups.values()) {
    Object.assign(g.counters, emptyCounters());
    g.latency.reset();
  }
}

function pause(cmd: Extract<WorkerCommand, { op: 'pause' }>): void {
  const from = group(cmd.group);
  const into = group(cmd.into);
  const n = Math.round(from.clients.length * cmd.fraction);
  // Every tenth client rather than the first n, so the slow ones are spread over the connection order.
  const step = Math.max(1, Math.floor(from.clients.length / Math.max(1, n)));
  const moved = new Set<Client>();
  for (let i = 0; i < from.clients.length && moved.size < n; i += step) moved.add(from.clients[i]!);
  for (const c of moved) {
    c.socket?.pause();
    c.group = into;
    c.counters = into.counters;
    c.latency = into.latency;
    into.clients.push(c);
  }
  from.clients = from.clients.filter((c) => !moved.has(c));
}

/** Clients leaving on purpose (the restaurants scenario's churn): closed, and gone from the group's counts. */
function close(cmd: Extract<WorkerCommand, { op: 'close' }>): WorkerReply {
  const g = groups.get(cmd.group);
  if (!g) return { op: 'closed', closed: 0 };
  const paths = new Set(cmd.paths);
  const leaving = g.clients.filter((c) => paths.has(c.path));
  for (const c of leaving) {
    c.open = false;
    c.socket?.destroy();
    c.socket = undefined;
  }
  g.clients = g.clients.filter((c) => !paths.has(c.path));
  return { op: 'closed', closed: leaving.length };
}

function closeAll(): void {
  for (const timer of pollers.splice(0)) clearInterval(timer);
  for (const g of groups.values()) for (const c of g.clients) {
    c.open = false;
    c.socket?.destroy();
    c.socket = undefined;
  }
  groups.clear();
}

async function handle(cmd: WorkerCommand): Promise<WorkerReply> {
  switch (cmd.op) {
    case 'connect':
      return connect(cmd);
    case 'poll':
      for (let i = 0; i < cmd.count; i++) startPoller(cmd.port, cmd.intervalMs, group(cmd.group));
      return { op: 'ok' };
    case 'window':
      newWindow();
      return { op: 'ok' };
    case 'report':
      return report(cmd.target, cmd.targets);
    case 'close':
      return close(cmd);
    case 'pause':
      pause(cmd);
      return { op: 'ok' };
    case 'resume':
      for (const c of groups.get(cmd.group)?.clients ?? []) c.socket?.resume();
      return { op: 'ok' };
    case 'closeAll':
      closeAll();
      closeHeld();
      await closeAllWriters();
      return { op: 'ok' };
    case 'http':
      return { op: 'http', ...(await httpLoad(cmd.port, cmd.path, cmd.connections, cmd.durationMs)) };
    case 'writers':
      return refused(async () => {
        await openWriters(cmd.setup);
        return { op: 'ok' };
      });
    case 'write':
      return refused(async () => ({ op: 'written', ...(await write(cmd.id, cmd.load)) }));
    case 'writersClose':
      await closeWriters(cmd.id);
      return { op: 'ok' };
    case 'hold':
      return refused(async () => ({ op: 'connected', ms: 0, ...(await hold(cmd.kind, cmd.port, cmd.path, cmd.count, cmd.concurrency, cmd.untilFirstMessage)) }));
    case 'reconnect':
      return { op: 'reconnected', ...(await reconnect(cmd.port, cmd.path, cmd.resume, cmd.untilFirstMessage)) };
    case 'heldReport':
      return { op: 'heldReport', ...heldReport(cmd.target) };
  }
}

/** A refused write or an unreachable cluster is the orchestrator's to report, not a reason for the worker to die. */
async function refused(fn: () => Promise<WorkerReply>): Promise<WorkerReply> {
  try {
    return await fn();
  } catch (err) {
    return { op: 'error', message: (err as Error).message };
  }
}

process.on('message', (message: { seq: number; cmd: WorkerCommand }) => {
  void handle(message.cmd).then((reply) => process.send?.({ seq: message.seq, reply }));
});
// The orchestrator going away (crash, Ctrl-C) ends the worker too: nothing outlives a run.
process.on('disconnect', () => process.exit(0));
// An exit rather than death by signal, so a `--cpu-prof` profile gets written.
process.on('SIGTERM', () => process.exit(0));
