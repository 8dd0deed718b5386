// The messages between the orchestrator and a load generator worker process (Node IPC, JSON).
import type { HeldReport, ReconnectReport } from './held.js';
import type { HttpLoadResult, HttpRequestSpec } from './http-load.js';
import type { Counters, HistogramData } from './stats.js';

/** Options of a connect beyond one path (the restaurants scenario). */
export interface ConnectSpread {
  /** Client k of this command (counting from `offset`) opens `paths[k % paths.length]` instead of the one path. */
  paths: string[];
  offset: number;
}

export type ClientKind = 'ws' | 'sse' | 'socketio';

export type WorkerCommand =
  | {
      op: 'connect'; kind: ClientKind; port: number; path: string; count: number; group: string; concurrency: number;
      spread?: ConnectSpread;
      /** A client counts as connected once its first message (the snapshot) arrived, not at the upgrade; the reply says how long each took. */
      untilFirstMessage?: boolean;
    }
  | { op: 'poll'; port: number; count: number; intervalMs: number; group: string }
  /** Starts a new measuring window: counters and latencies restart from zero. */
  | { op: 'window' }
  /**
   * `target`: the publisher's last sequence number, to count how far open clients still are behind it; `targets`:
   * one per path instead, when each path follows its own sequence (a restaurant's bench dish).
   */
  | { op: 'report'; target?: number; targets?: Record<string, number> }
  /** Closes every client of the group whose path is one of `paths`; they leave the group uncounted (not `ended`). */
  | { op: 'close'; group: string; paths: string[] }
  /** Stops reading on `fraction` of the group's clients and moves them to the group `into`. */
  | { op: 'pause'; group: string; fraction: number; into: string }
  /** Starts reading again on every client of the group. */
  | { op: 'resume'; group: string }
  /** GETs one path (the reads scenario), or sends the listed requests in turn (writes), over keep-alive connections. */
  | { op: 'http'; port: number; path: string | HttpRequestSpec[]; connections: number; durationMs: number }
  /** Opens this worker's share of a write load's cluster connections and logs (the cluster scenario). */
  | { op: 'writers'; setup: WritersSetup }
  /** Writes through them: as fast as `concurrency` writes in flight allow, or at a fixed rate. */
  | { op: 'write'; id: string; load: WriteLoad }
  | { op: 'writersClose'; id: string }
  /** The churn scenario's held clients (held.ts): opened, reconnected all at once (with their last id when `resume`), accounted. */
  | { op: 'hold'; kind: ClientKind; port: number; path: string; count: number; concurrency: number; untilFirstMessage: boolean }
  | { op: 'reconnect'; port: number; path: string; resume: boolean; untilFirstMessage: boolean }
  | { op: 'heldReport'; target: number }
  | { op: 'closeAll' };

/** A write load's connections, restaurants and durability, known to the workers by `id`. */
export interface WritersSetup {
  id: string;
  /** REDIS_CLUSTER_NODES: `host:port,…`. */
  nodes: string;
  prefix: string;
  restaurants: string[];
  /** WRITE_MIN_REPLICAS and WRITE_REPLICA_TIMEOUT_MS of the writes. */
  minReplicas: number;
  replicaTimeoutMs: number;
  /** Cluster clients (one connection to each primary each) the worker's restaurants are dealt over. */
  connections: number;
}

export type WriteLoad = { mode: 'saturate'; concurrency: number; durationMs: number } | { mode: 'rate'; rate: number; durationMs: number };

/** One worker's writes: acknowledged and refused, their round trips, and each restaurant's newest acknowledged version. */
export interface WriteReport {
  writes: number;
  failed: number;
  firstError?: string;
  elapsedMs: number;
  latency: HistogramData;
  versions: Record<string, number>;
}

export interface GroupReport {
  counters: Counters;
  latency: HistogramData;
  open: number;
  ended: number;
  /** Lowest and highest last sequence number among the group's open clients; -1 when none has one. */
  minSeq: number;
  maxSeq: number;
  /** Events open clients still miss up to `target` (clients that saw none yet are `silent` instead). */
  behind: number;
  silent: number;
  /** When the group's last event arrived (ms since the epoch), so a rate is not diluted by the drain's polling. */
  lastEventAt: number;
  endReasons: Record<string, number>;
}

export type WorkerReply =
  | { op: 'connected'; connected: number; failed: number; earlyCloses?: number; firstError?: string; ms: number; firstMessage?: HistogramData }
  | { op: 'closed'; closed: number }
  | { op: 'report'; groups: Record<string, GroupReport> }
  | ({ op: 'http' } & HttpLoadResult)
  | ({ op: 'written' } & WriteReport)
  | ({ op: 'reconnected' } & ReconnectReport)
  | ({ op: 'heldReport' } & HeldReport)
  | { op: 'error'; message: string }
  | { op: 'ok' };
