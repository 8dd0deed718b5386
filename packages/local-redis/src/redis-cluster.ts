// Starts a private Redis Cluster of redis-server child processes on loopback (3 primaries with one replica each unless
// told otherwise) for tests and the bench, and breaks it on purpose: a node killed, restarted, failed over or paused.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { redisCommand, type RedisReply } from './redis-command.js';

export const CLUSTER_SLOTS = 16384;

export interface SpawnRedisClusterOptions {
  /**
   * 3 unless given. 1 is allowed (one shard, for comparisons), but then a killed primary is never failed over on its
   * own: no other primary is left to vote for its replica.
   */
  primaries?: number;
  /** 1 unless given. */
  replicasPerPrimary?: number;
  /** How long a node may not answer before it is failed over; 2000 ms unless given, so failover takes seconds. */
  nodeTimeoutMs?: number;
  /** An append-only file on every node, as in production; true unless given. */
  appendOnly?: boolean;
  /** How long start, restart and failover may take before they fail; 30 s unless given. */
  readyTimeoutMs?: number;
  binary?: string;
  /** Told each step of starting and breaking the cluster (start-up, kills, failovers), for logs. */
  onProgress?: (message: string) => void;
}

export interface ClusterPrimary {
  port: number;
  id: string;
  /** Inclusive ranges. */
  slots: Array<[number, number]>;
}

export interface ClusterReplica {
  port: number;
  id: string;
  primaryPort: number;
}

export interface RedisClusterProcess {
  /** `127.0.0.1:<port>,…` of every node, as REDIS_CLUSTER_NODES takes it. */
  nodes: string;
  ports: readonly number[];
  /** Every node's data (nodes.conf, the append-only file) in a folder named for its port; stop() removes it. */
  dir: string;
  /** The pids of the nodes running now (a restarted node has a new one). */
  readonly pids: number[];
  /** Primaries that serve slots, in slot order, read from CLUSTER NODES now. */
  primaries(): Promise<ClusterPrimary[]>;
  /** Running replicas and the primary each follows, read from CLUSTER NODES now. */
  replicas(): Promise<ClusterReplica[]>;
  /** The port of the primary serving `slot` now. */
  primaryOfSlot(slot: number): Promise<number>;
  /** CLUSTER KEYSLOT: the slot of `key`, hash tags considered. */
  slotOf(key: string): Promise<number>;
  /** SIGKILL one node by its pid; resolves once it has exited. A node that is not running is left as it is. */
  kill(port: number): Promise<void>;
  /** Starts a node that was killed again, same port and data; resolves when the cluster is healthy again. */
  restart(port: number): Promise<void>;
  /** CLUSTER FAILOVER [FORCE] on a replica; resolves when it is a primary and the cluster is healthy again. */
  failover(replicaPort: number, options?: { force?: boolean }): Promise<void>;
  /** After a primary was killed: waits for a replica to serve its slots and the cluster to be healthy; its port. */
  waitForPromotion(oldPrimaryPort: number, timeoutMs?: number): Promise<number>;
  /** CLIENT PAUSE: the node answers no client for `ms` (replication and the cluster bus go on). */
  pause(port: number, ms: number): Promise<void>;
  /**
   * SIGSTOP, then SIGCONT after `ms`: the node does nothing at all meanwhile, replication included (a replica falls
   * behind its primary, as on a stalled machine). Resolves once it runs again.
   */
  stall(port: number, ms: number): Promise<void>;
  /** SIGTERM every node it started (SIGKILL after 5 s), waits for each to exit, removes the data folder. */
  stop(): Promise<void>;
}

interface ClusterNode {
  port: number;
  busPort: number;
  dir: string;
  child: ChildProcess | undefined;
  /** False once killed or stopped: its exit is no failure. */
  wanted: boolean;
  exited: Promise<void>;
  /** The end of its output, over every start, for failure messages. */
  log: string;
  /** The slots it served when it was killed, so that a promotion can be recognised after the fact. */
  slotsWhenKilled: Array<[number, number]>;
}

interface NodeEntry {
  id: string;
  port: number;
  flags: Set<string>;
  primaryId: string | undefined;
  slots: Array<[number, number]>;
}

const LOG_CHARS = 16 * 1024;
const POLL_MS = 100;

/** Every node child still running, killed when this process exits so that a test that never called stop() leaks none. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

export async function spawnRedisCluster(options: SpawnRedisClusterOptions = {}): Promise<RedisClusterProcess> {
  const primaryCount = options.primaries ?? 3;
  const replicasPerPrimary = options.replicasPerPrimary ?? 1;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 2000;
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const binary = options.binary ?? 'redis-server';
  const progress = options.onProgress ?? (() => {});
  if (!Number.isInteger(primaryCount) || primaryCount < 1) throw new Error(`primaries must be at least 1, not ${primaryCount}`);
  if (!Number.isInteger(replicasPerPrimary) || replicasPerPrimary < 0) {
    throw new Error(`replicasPerPrimary must be 0 or more, not ${replicasPerPrimary}`);
  }

  const root = mkdtempSync(join(tmpdir(), 'dish-live-redis-cluster-'));
  const total = primaryCount * (1 + replicasPerPrimary);
  // The cluster bus would be on port + 10000, which for a kernel-chosen port may be taken or past 65535: each node gets
  // a second free port for it (cluster-port, Redis 7).
  const free = new Set<number>();
  while (free.size < 2 * total) free.add(await freePort());
  const freeList = [...free];
  const nodes: ClusterNode[] = Array.from({ length: total }, (_, i) => {
    const port = freeList[2 * i]!;
    const dir = join(root, String(port));
    mkdirSync(dir);
    return { port, busPort: freeList[2 * i + 1]!, dir, child: undefined, wanted: false, exited: Promise.resolve(), log: '', slotsWhenKilled: [] };
  });
  const ports = nodes.map((n) => n.port);
  const address = (port: number) => `127.0.0.1:${port}`;
  let stopped = false;

  const nodeAt = (port: number): ClusterNode => {
    const node = nodes.find((n) => n.port === port);
    if (!node) throw new Error(`${address(port)} is not a node of this cluster (${ports.join(', ')})`);
    return node;
  };
  const isRunning = (node: ClusterNode) => node.child !== undefined;
  const logTail = (node: ClusterNode, lines = 15) => node.log.trimEnd().split('\n').slice(-lines).join('\n');

  const startNode = (node: ClusterNode) => {
    const child = spawn(
      binary,
      [
        '--port', String(node.port),
        '--cluster-port', String(node.busPort),
        '--bind', '127.0.0.1',
        '--cluster-enabled', 'yes',
        '--cluster-config-file', join(node.dir, 'nodes.conf'),
        '--cluster-node-timeout', String(nodeTimeoutMs),
        '--dir', node.dir,
        '--appendonly', options.appendOnly === false ? 'no' : 'yes',
        '--save', '',
        // A primary waits 5 s by default for more replicas to share one full sync; here each has its own at once.
        '--repl-diskless-sync-delay', '0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const take = (chunk: Buffer) => {
      node.log = (node.log + chunk.toString()).slice(-LOG_CHARS);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (err) => {
      node.log += `\ncould not start ${binary}: ${err.message}. Install it (apt-get install -y redis-server).\n`;
    });
    node.exited = new Promise((resolve) =>
      child.once('close', () => {
        running.delete(child);
        if (node.child === child) node.child = undefined;
        resolve();
      }),
    );
    node.child = child;
    node.wanted = true;
    running.add(child);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => {
        for (const c of running) c.kill('SIGKILL');
      });
    }
  };

  const waitForPing = (list: ClusterNode[]) =>
    poll(`${list.map((n) => address(n.port)).join(', ')} answering PING`, readyTimeoutMs, async () => {
      for (const node of list) {
        const reply = await redisCommand(node.port, ['PING'], 500);
        if (reply !== 'PONG') return `${address(node.port)} answered ${JSON.stringify(reply)}`;
      }
      return undefined;
    });

  /** CLUSTER NODES as the first running node that answers sees it. */
  const clusterView = async (): Promise<NodeEntry[]> => {
    const errors: string[] = [];
    for (const node of nodes.filter(isRunning)) {
      try {
        return parseClusterNodes(asText(await redisCommand(node.port, ['CLUSTER', 'NODES'])));
      } catch (err) {
        errors.push(`${address(node.port)}: ${(err as Error).message}`);
      }
    }
    throw new Error(`no node of the cluster answered CLUSTER NODES (${errors.join('; ') || 'none is running'})`);
  };

  const primaries = async (): Promise<ClusterPrimary[]> =>
    (await clusterView())
      .filter((e) => e.flags.has('master') && e.slots.length > 0 && !e.flags.has('fail') && isRunning(nodeAt(e.port)))
      .map((e) => ({ port: e.port, id: e.id, slots: e.slots }))
      .sort((a, b) => a.slots[0]![0] - b.slots[0]![0]);

  const replicas = async (): Promise<ClusterReplica[]> => {
    const view = await clusterView();
    return view
      .filter((e) => e.flags.has('slave') && !e.flags.has('fail') && isRunning(nodeAt(e.port)))
      .map((e) => ({ port: e.port, id: e.id, primaryPort: view.find((p) => p.id === e.primaryId)?.port ?? -1 }));
  };

  const primaryOfSlot = async (slot: number): Promise<number> => {
    const owner = (await primaries()).find((p) => p.slots.some(([from, to]) => slot >= from && slot <= to));
    if (!owner) throw new Error(`no running primary serves slot ${slot}`);
    return owner.port;
  };

  /**
   * Why the cluster is not healthy yet, or undefined when it is: every running node says cluster_state:ok with all
   * slots assigned and ok, all of them agree on every running node's role (which primary serves which slots, which
   * replica follows which primary), no slot is left with a node that is not running, and every running node is either
   * a primary serving slots or a replica whose link to its primary is up.
   */
  const unhealthy = async (): Promise<string | undefined> => {
    let agreed: string | undefined;
    for (const node of nodes.filter(isRunning)) {
      const at = address(node.port);
      const info = parseInfo(asText(await redisCommand(node.port, ['CLUSTER', 'INFO'])));
      const view = parseClusterNodes(asText(await redisCommand(node.port, ['CLUSTER', 'NODES'])));
      if (info.get('cluster_state') !== 'ok') return `${at} says cluster_state:${info.get('cluster_state')}`;
      for (const field of ['cluster_slots_assigned', 'cluster_slots_ok']) {
        if (info.get(field) !== String(CLUSTER_SLOTS)) return `${at} says ${field}:${info.get(field)}`;
      }
      const serving = view.filter((e) => e.flags.has('master') && e.slots.length > 0);
      const stale = serving.find((e) => !isRunning(nodeAt(e.port)));
      if (stale) return `${at} still has ${address(stale.port)}, which is not running, serve slots`;
      const layout = describeRoles(view.filter((e) => isRunning(nodeAt(e.port))));
      if (agreed === undefined) agreed = layout;
      else if (layout !== agreed) return `nodes disagree on the roles: ${agreed} / ${at} sees ${layout}`;
      const myself = view.find((e) => e.flags.has('myself'));
      if (myself?.flags.has('slave')) {
        const link = parseInfo(asText(await redisCommand(node.port, ['INFO', 'replication']))).get('master_link_status');
        if (link !== 'up') return `replica ${at} has master_link_status:${link}`;
      } else if (!myself?.slots.length) {
        return `${at} is neither a primary serving slots nor a replica yet`;
      }
    }
    return undefined;
  };

  /**
   * Polls `check` (a reason to wait, or undefined when done; a throw is a reason too) until done; fails at once when a
   * node exits unasked, and after `timeoutMs` with the last reason and the end of every node's log.
   */
  const poll = async (what: string, timeoutMs: number, check: () => Promise<string | undefined>) => {
    const started = Date.now();
    let reason: string | undefined = 'not checked yet';
    while (Date.now() - started <= timeoutMs) {
      const died = nodes.find((n) => n.wanted && !isRunning(n));
      if (died) throw new Error(`${what}: redis-server ${address(died.port)} exited; its log ends:\n${logTail(died)}`);
      try {
        reason = await check();
      } catch (err) {
        reason = (err as Error).message;
      }
      if (reason === undefined) {
        progress(`${what}: done in ${Date.now() - started} ms`);
        return;
      }
      await sleep(POLL_MS);
    }
    const logs = nodes.filter(isRunning).map((n) => `--- ${address(n.port)} log ends:\n${logTail(n, 5)}`);
    throw new Error(`${what}: not done within ${timeoutMs} ms; last seen: ${reason}\n${logs.join('\n')}`);
  };

  const waitUntilHealthy = (what: string, timeoutMs: number, extra?: () => Promise<string | undefined>) =>
    poll(what, timeoutMs, async () => (await unhealthy()) ?? (await extra?.()));

  const create = async () => {
    progress(`starting ${total} redis-server nodes in ${root}: ${ports.join(', ')}`);
    nodes.forEach(startNode);
    await waitForPing(nodes);
    // Created with CLUSTER ADDSLOTSRANGE / MEET / REPLICATE rather than `redis-cli --cluster create`: that tool
    // refuses fewer than 3 primaries (the bench compares 1 with 3), places replicas as it likes and sleeps in whole
    // seconds; this way replica k of primary i is node primaries + i × replicasPerPrimary + k, and every wait is a poll.
    const ids = await Promise.all(nodes.map(async (n) => asText(await redisCommand(n.port, ['CLUSTER', 'MYID']))));
    for (let i = 0; i < primaryCount; i++) {
      const from = Math.floor((i * CLUSTER_SLOTS) / primaryCount);
      const to = Math.floor(((i + 1) * CLUSTER_SLOTS) / primaryCount) - 1;
      await redisCommand(nodes[i]!.port, ['CLUSTER', 'ADDSLOTSRANGE', from, to]);
    }
    // Distinct epochs before the nodes meet, as redis-cli does, so that no two primaries start in a config conflict.
    for (const [i, node] of nodes.entries()) await redisCommand(node.port, ['CLUSTER', 'SET-CONFIG-EPOCH', i + 1]);
    for (const node of nodes.slice(1)) await redisCommand(nodes[0]!.port, ['CLUSTER', 'MEET', '127.0.0.1', node.port, node.busPort]);
    // A replica can only follow a primary it already knows by id.
    await poll(`every node knows the ${total} nodes`, readyTimeoutMs, async () => {
      for (const node of nodes) {
        const view = parseClusterNodes(asText(await redisCommand(node.port, ['CLUSTER', 'NODES'])));
        const known = view.filter((e) => !e.flags.has('handshake') && !e.flags.has('noaddr')).length;
        if (known !== total) return `${address(node.port)} knows ${known}`;
      }
      return undefined;
    });
    for (let i = 0; i < primaryCount; i++) {
      for (let k = 0; k < replicasPerPrimary; k++) {
        await redisCommand(nodes[primaryCount + i * replicasPerPrimary + k]!.port, ['CLUSTER', 'REPLICATE', ids[i]!]);
      }
    }
    await waitUntilHealthy(`cluster of ${primaryCount} primaries and ${total - primaryCount} replicas ok on every node`, readyTimeoutMs);
  };

  const stop = async () => {
    stopped = true;
    await Promise.all(
      nodes.map(async (node) => {
        node.wanted = false;
        const child = node.child;
        if (!child) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await node.exited;
        clearTimeout(timer);
      }),
    );
    rmSync(root, { recursive: true, force: true });
  };

  try {
    await create();
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    nodes: ports.map(address).join(','),
    ports,
    dir: root,
    get pids() {
      return nodes.flatMap((n) => (n.child?.pid === undefined ? [] : [n.child.pid]));
    },
    primaries,
    replicas,
    primaryOfSlot,
    async slotOf(key) {
      const node = nodes.find(isRunning);
      if (!node) throw new Error('no node of the cluster is running');
      return Number(await redisCommand(node.port, ['CLUSTER', 'KEYSLOT', key]));
    },
    async kill(port) {
      const node = nodeAt(port);
      const child = node.child;
      if (!child) return;
      node.wanted = false;
      node.slotsWhenKilled = await clusterView().then(
        (view) => view.find((e) => e.port === port && e.flags.has('master'))?.slots ?? [],
        () => [],
      );
      progress(`SIGKILL ${address(port)} (pid ${child.pid}${node.slotsWhenKilled.length ? ', a primary' : ''})`);
      child.kill('SIGKILL');
      await node.exited;
    },
    async restart(port) {
      if (stopped) throw new Error('the cluster was stopped');
      const node = nodeAt(port);
      if (isRunning(node)) throw new Error(`${address(port)} is running; kill it before restarting it`);
      progress(`restarting ${address(port)}`);
      startNode(node);
      await waitForPing([node]);
      await waitUntilHealthy(`${address(port)} back in a healthy cluster`, readyTimeoutMs);
    },
    async failover(replicaPort, failoverOptions = {}) {
      const node = nodeAt(replicaPort);
      const own = async () =>
        parseClusterNodes(asText(await redisCommand(replicaPort, ['CLUSTER', 'NODES']))).find((e) => e.flags.has('myself'));
      if (!isRunning(node) || !(await own())?.flags.has('slave')) throw new Error(`${address(replicaPort)} is not a running replica`);
      progress(`CLUSTER FAILOVER${failoverOptions.force ? ' FORCE' : ''} on ${address(replicaPort)}`);
      await redisCommand(replicaPort, ['CLUSTER', 'FAILOVER', ...(failoverOptions.force ? ['FORCE'] : [])]);
      await waitUntilHealthy(`${address(replicaPort)} promoted`, readyTimeoutMs, async () => {
        const myself = await own();
        return myself?.flags.has('master') && myself.slots.length ? undefined : `${address(replicaPort)} is not a primary yet`;
      });
    },
    async waitForPromotion(oldPrimaryPort, timeoutMs = readyTimeoutMs) {
      const node = nodeAt(oldPrimaryPort);
      if (isRunning(node)) throw new Error(`${address(oldPrimaryPort)} still runs; waitForPromotion follows a kill()`);
      const slot = node.slotsWhenKilled[0]?.[0];
      if (slot === undefined) throw new Error(`${address(oldPrimaryPort)} served no slots when it was killed`);
      let promoted = -1;
      await waitUntilHealthy(`a replica of ${address(oldPrimaryPort)} promoted`, timeoutMs, async () => {
        promoted = await primaryOfSlot(slot);
        return undefined;
      });
      return promoted;
    },
    async pause(port, ms) {
      progress(`CLIENT PAUSE ${ms} on ${address(port)}`);
      await redisCommand(port, ['CLIENT', 'PAUSE', ms]);
    },
    async stall(port, ms) {
      const child = nodeAt(port).child;
      if (!child) throw new Error(`${address(port)} is not running`);
      progress(`SIGSTOP ${address(port)} for ${ms} ms`);
      child.kill('SIGSTOP');
      await sleep(ms);
      child.kill('SIGCONT');
    },
    stop,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function asText(reply: RedisReply): string {
  if (typeof reply !== 'string') throw new Error(`expected a text reply, got ${JSON.stringify(reply)}`);
  return reply;
}

/**
 * Running nodes' roles as one node sees them, comparable between nodes: `port:slots` or `port>primary id`, marked `!`
 * while that node takes it for failed (a node never does itself, so a stale failure shows as a disagreement).
 */
function describeRoles(view: NodeEntry[]): string {
  return view
    .map((e) => {
      const role = e.flags.has('slave') ? `>${e.primaryId}` : `:${e.slots.map(([from, to]) => `${from}-${to}`).join(',')}`;
      return `${e.port}${role}${e.flags.has('fail') || e.flags.has('fail?') ? '!' : ''}`;
    })
    .sort()
    .join(' ');
}

/** `field:value` lines of CLUSTER INFO and INFO. */
function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** `<id> <ip:port@bus[,hostname]> <flags> <primary id|-> <ping> <pong> <epoch> <link> <slots…>` per line. */
function parseClusterNodes(text: string): NodeEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const [id = '', addr = '', flags = '', primaryId = '-', , , , , ...slots] = line.trim().split(' ');
      return {
        id,
        port: Number(addr.split('@')[0]!.split(':').pop()),
        flags: new Set(flags.split(',')),
        primaryId: primaryId === '-' ? undefined : primaryId,
        // `[slot->-id]` entries are slots being migrated or imported, not served.
        slots: slots
          .filter((s) => !s.startsWith('['))
          .map((s): [number, number] => {
            const [from, to = from] = s.split('-').map(Number) as [number, number?];
            return [from, to];
          }),
      };
    });
}
