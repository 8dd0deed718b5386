// The orchestrator's handle on the load generator worker processes: commands over IPC, reports merged.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HeldReport, ReconnectReport } from './loadgen/held.js';
import type { HttpLoadResult, HttpRequestSpec } from './loadgen/http-load.js';
import type { ClientKind, GroupReport, WorkerCommand, WorkerReply, WriteLoad, WritersSetup } from './loadgen/ipc.js';
import { addCounters, emptyCounters, LatencyHistogram } from './loadgen/stats.js';
import { describeExit, type SupervisedProcess } from '@dish-live/test-support';
import { start } from './processes.js';
import { profileFlags } from './profile.js';

const WORKER = fileURLToPath(new URL('./loadgen/worker.ts', import.meta.url));

/** A group's report summed over the workers, its latencies as one histogram. */
export interface MergedGroup extends Omit<GroupReport, 'latency'> {
  latency: LatencyHistogram;
}

/** A write load summed over the workers: writes, refusals, round trips, each restaurant's newest acknowledged version. */
export interface MergedWrites {
  writes: number;
  failed: number;
  firstError?: string;
  /** The longest worker's, from its first write to its last answer. */
  elapsedMs: number;
  latency: LatencyHistogram;
  versions: Record<string, number>;
}

/** An HTTP load run summed over the workers, its latencies as one histogram. */
export interface MergedHttpLoad extends Omit<HttpLoadResult, 'latency'> {
  latency: LatencyHistogram;
}

interface Worker {
  process: SupervisedProcess;
  pending: Map<number, (reply: WorkerReply) => void>;
  seq: number;
}

export class LoadGen {
  private constructor(private readonly workers: Worker[]) {}

  /** `profileDir`: each worker writes its profiles into `<profileDir>/loadgen-<n>/` when it stops. */
  static start(count: number, core: number | undefined, profileDir?: string): LoadGen {
    const workers: Worker[] = [];
    for (let i = 0; i < count; i++) {
      const profile = profileDir ? join(profileDir, `loadgen-${i}`) : undefined;
      const args = [...profileFlags(profile), '--import', 'tsx', WORKER];
      const process = start({ name: `loadgen-${i}`, core, command: 'node', args, ipc: true });
      const worker: Worker = { process, pending: new Map(), seq: 0 };
      process.child.on('message', (message: { seq: number; reply: WorkerReply }) => {
        worker.pending.get(message.seq)?.(message.reply);
        worker.pending.delete(message.seq);
      });
      workers.push(worker);
    }
    return new LoadGen(workers);
  }

  get pids(): number[] {
    return this.workers.map((w) => w.process.pid);
  }

  /** Resolves with a description if a worker dies: a crashed load generator invalidates the run. */
  get died(): Promise<string> {
    return Promise.race(this.workers.map((w) => w.process.exited.then((exit) => describeExit(w.process.name, exit))));
  }

  #send(worker: Worker, cmd: WorkerCommand, timeoutMs = 120_000): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      const seq = ++worker.seq;
      const timer = setTimeout(() => reject(new Error(`${worker.process.name}: no answer to ${cmd.op} within ${timeoutMs} ms`)), timeoutMs);
      worker.pending.set(seq, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      worker.process.child.send({ seq, cmd });
    });
  }

  #all(cmd: WorkerCommand): Promise<WorkerReply[]> {
    return Promise.all(this.workers.map((w) => this.#send(w, cmd)));
  }

  /**
   * Opens `count` clients spread over the workers; returns how many opened and the first failure. `paths`: client k
   * opens `paths[k % paths.length]` instead of `path`. `untilFirstMessage`: a client counts once its first message
   * arrived, and `firstMessage` holds how long each took from its connect.
   */
  async connect(
    kind: ClientKind, port: number, path: string, count: number, group: string, concurrency = 200,
    more: { paths?: string[]; untilFirstMessage?: boolean } = {},
  ) {
    const n = this.workers.length;
    let offset = 0;
    const replies = await Promise.all(
      this.workers.map((w, i) => {
        const share = Math.floor(count / n) + (i < count % n ? 1 : 0);
        const spread = more.paths ? { paths: more.paths, offset } : undefined;
        offset += share;
        return this.#send(w, {
          op: 'connect', kind, port, path, count: share, group, concurrency: Math.ceil(concurrency / n),
          ...(spread ? { spread } : {}), ...(more.untilFirstMessage ? { untilFirstMessage: true } : {}),
        });
      }),
    );
    let connected = 0;
    let failed = 0;
    let earlyCloses = 0;
    let firstError: string | undefined;
    const firstMessage = new LatencyHistogram();
    for (const r of replies) {
      if (r.op !== 'connected') continue;
      connected += r.connected;
      failed += r.failed;
      earlyCloses += r.earlyCloses ?? 0;
      firstError ??= r.firstError;
      if (r.firstMessage) firstMessage.merge(r.firstMessage);
    }
    return { connected, failed, earlyCloses, firstError, firstMessage };
  }

  /** Closes the group's clients of these paths; they leave the group without counting as ended. */
  async close(group: string, paths: string[]): Promise<number> {
    let closed = 0;
    for (const r of await this.#all({ op: 'close', group, paths })) if (r.op === 'closed') closed += r.closed;
    return closed;
  }

  async poll(port: number, count: number, intervalMs: number, group: string): Promise<void> {
    const n = this.workers.length;
    await Promise.all(
      this.workers.map((w, i) =>
        this.#send(w, { op: 'poll', port, count: Math.floor(count / n) + (i < count % n ? 1 : 0), intervalMs, group }),
      ),
    );
  }

  /** GETs `path` (or sends the listed requests in turn) over `connections` keep-alive connections (spread over the workers) for `durationMs`, summed. */
  async http(port: number, path: string | HttpRequestSpec[], connections: number, durationMs: number): Promise<MergedHttpLoad> {
    const n = this.workers.length;
    const replies = await Promise.all(
      this.workers.map((w, i) =>
        this.#send(w, { op: 'http', port, path, connections: Math.floor(connections / n) + (i < connections % n ? 1 : 0), durationMs }),
      ),
    );
    const merged: MergedHttpLoad = { requests: 0, statuses: {}, non2xx: 0, errors: 0, bytes: 0, elapsedMs: 0, latency: new LatencyHistogram() };
    for (const r of replies) {
      if (r.op !== 'http') continue;
      merged.requests += r.requests;
      merged.non2xx += r.non2xx;
      merged.errors += r.errors;
      merged.bytes += r.bytes;
      merged.elapsedMs = Math.max(merged.elapsedMs, r.elapsedMs);
      merged.latency.merge(r.latency);
      merged.firstError ??= r.firstError;
      for (const [status, count] of Object.entries(r.statuses)) merged.statuses[status] = (merged.statuses[status] ?? 0) + count;
    }
    return merged;
  }

  /** Every worker opens the write load's connections and logs (restaurants shared: each writes round robin over all). */
  async openWriters(setup: WritersSetup): Promise<void> {
    for (const r of await this.#all({ op: 'writers', setup })) if (r.op === 'error') throw new Error(`writers ${setup.id}: ${r.message}`);
  }

  /** Runs a write load, its concurrency or rate shared over the workers; throws when a worker reports an error (at a fixed rate: the first refused write). */
  async write(id: string, load: WriteLoad): Promise<MergedWrites> {
    const n = this.workers.length;
    const share = (i: number): WriteLoad =>
      load.mode === 'saturate'
        ? { ...load, concurrency: Math.max(1, Math.floor(load.concurrency / n) + (i < load.concurrency % n ? 1 : 0)) }
        : { ...load, rate: load.rate / n };
    const replies = await Promise.all(this.workers.map((w, i) => this.#send(w, { op: 'write', id, load: share(i) }, load.durationMs + 120_000)));
    const merged: MergedWrites = { writes: 0, failed: 0, elapsedMs: 0, latency: new LatencyHistogram(), versions: {} };
    for (const r of replies) {
      if (r.op === 'error') throw new Error(`writes ${id}: ${r.message}`);
      if (r.op !== 'written') continue;
      merged.writes += r.writes;
      merged.failed += r.failed;
      merged.firstError ??= r.firstError;
      merged.elapsedMs = Math.max(merged.elapsedMs, r.elapsedMs);
      merged.latency.merge(r.latency);
      for (const [rid, v] of Object.entries(r.versions)) merged.versions[rid] = Math.max(merged.versions[rid] ?? -1, v);
    }
    return merged;
  }

  async closeWriters(id: string): Promise<void> {
    await this.#all({ op: 'writersClose', id });
  }

  async window(): Promise<void> {
    await this.#all({ op: 'window' });
  }

  async pause(group: string, fraction: number, into: string): Promise<void> {
    await this.#all({ op: 'pause', group, fraction, into });
  }

  async resume(group: string): Promise<void> {
    await this.#all({ op: 'resume', group });
  }

  /**
   * The churn scenario: `count` held clients spread over the workers (loadgen/held.ts); throws unless all opened.
   * Answers how many were closed right after their 101 and reconnected.
   */
  async hold(kind: ClientKind, port: number, path: string, count: number, concurrency: number, untilFirstMessage: boolean): Promise<{ earlyCloses: number }> {
    const n = this.workers.length;
    const replies = await Promise.all(
      this.workers.map((w, i) =>
        this.#send(w, { op: 'hold', kind, port, path, count: Math.floor(count / n) + (i < count % n ? 1 : 0), concurrency: Math.ceil(concurrency / n), untilFirstMessage }),
      ),
    );
    let earlyCloses = 0;
    for (const r of replies) {
      if (r.op === 'error') throw new Error(r.message);
      if (r.op === 'connected' && r.failed > 0) throw new Error(`${r.failed} held clients could not connect: ${r.firstError}`);
      if (r.op === 'connected') earlyCloses += r.earlyCloses ?? 0;
    }
    return { earlyCloses };
  }

  /** Every held client of every worker reconnects at once; one report per worker (scenarios/churn-figures.ts merges them). */
  async reconnect(port: number, path: string, resume: boolean, untilFirstMessage: boolean): Promise<ReconnectReport[]> {
    const replies = await this.#all({ op: 'reconnect', port, path, resume, untilFirstMessage });
    return replies.flatMap((r) => (r.op === 'reconnected' ? [r] : []));
  }

  async heldReports(target: number): Promise<HeldReport[]> {
    return (await this.#all({ op: 'heldReport', target })).flatMap((r) => (r.op === 'heldReport' ? [r] : []));
  }

  async closeAll(): Promise<void> {
    await this.#all({ op: 'closeAll' });
  }

  /** `target`: the one sequence every client follows, or one per path (what each path's clients are due). */
  async report(target?: number | Record<string, number>): Promise<Record<string, MergedGroup>> {
    const merged: Record<string, MergedGroup> = {};
    const cmd: WorkerCommand = target === undefined ? { op: 'report' } : typeof target === 'number' ? { op: 'report', target } : { op: 'report', targets: target };
    for (const reply of await this.#all(cmd)) {
      if (reply.op !== 'report') continue;
      for (const [name, g] of Object.entries(reply.groups)) merge((merged[name] ??= emptyGroup()), g);
    }
    return merged;
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.process.stop()));
  }
}

function emptyGroup(): MergedGroup {
  return { counters: emptyCounters(), latency: new LatencyHistogram(), open: 0, ended: 0, minSeq: -1, maxSeq: -1, behind: 0, silent: 0, lastEventAt: 0, endReasons: {} };
}

function merge(into: MergedGroup, g: GroupReport): void {
  addCounters(into.counters, g.counters);
  into.latency.merge(g.latency);
  if (g.open > 0) into.minSeq = into.open > 0 && into.minSeq >= 0 ? Math.min(into.minSeq, g.minSeq) : g.minSeq;
  into.open += g.open;
  into.ended += g.ended;
  into.behind += g.behind;
  into.silent += g.silent;
  into.lastEventAt = Math.max(into.lastEventAt, g.lastEventAt);
  into.maxSeq = Math.max(into.maxSeq, g.maxSeq);
  for (const [reason, n] of Object.entries(g.endReasons)) into.endReasons[reason] = (into.endReasons[reason] ?? 0) + n;
}
