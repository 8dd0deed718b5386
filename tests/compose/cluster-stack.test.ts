// The cluster override, for real: `docker compose -f docker-compose.yml -f docker-compose.cluster.yml up --build`, the
// whole system on a 6-node Redis Cluster with WRITE_MIN_REPLICAS=1; restaurants on different primaries; a primary
// stopped, its replica promoted, and the restaurant it served written to again.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DockerComposeEnvironment, Wait, type StartedDockerComposeEnvironment } from 'testcontainers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compareStreamIds } from '@dish-live/protocol';
import { deliveryProblems, dockerSuite, RecordingClient } from '@dish-live/test-support';
import { freeSubnet } from './free-subnet.js';
import { lastLogId, logBetween } from './polled-log.js';

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const project = `dish-live-cluster-test-${randomBytes(4).toString('hex')}`;
const token = 'cluster-test-token';
const FILES = ['docker-compose.yml', 'docker-compose.cluster.yml'];
const NODES = ['redis-1', 'redis-2', 'redis-3', 'redis-4', 'redis-5', 'redis-6'];
// Ids whose hash tags {r:<rid>} fall in the three slot ranges `redis-cli --cluster create` gives its three primaries
// (slots 2474, 9082, 12712, found with `redis-cli cluster keyslot`); the test checks where they are, it does not assume it.
const RESTAURANTS = ['south-dumplings', 'east-noodles', 'north-grill'];
// The cluster's node timeout is 5 s: a stopped primary is marked failed and replaced within about twice that.
const PROMOTION_MS = 30_000;

const { skip, title, problem: noDocker } = await dockerSuite('docker compose cluster stack');
// WEB_PORT=0: Docker picks a free host port; the network gets a subnet of its own (the nodes' fixed addresses are in it).
// A slow simulator keeps every shard written to without loading the machine.
const stackEnv = {
  WEB_PORT: '0',
  SIM_RATE: '2',
  DISH_API_TOKENS: token,
  ...(noDocker === undefined ? await freeSubnet() : {}),
};

function compose(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync('docker', ['compose', '-p', project, ...FILES.flatMap((f) => ['-f', f]), ...args], {
    cwd: root,
    env: { ...process.env, ...stackEnv },
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** A redis-cli command run inside one node's container, its reply without the trailing newline. */
async function redisCli(node: string, ...args: string[]): Promise<string> {
  const { stdout } = await compose('exec', '-T', node, 'redis-cli', ...args);
  return stdout.replace(/\r/g, '').trimEnd();
}

interface PsEntry {
  Service: string;
  State: string;
  Health: string;
  ExitCode: number;
}

async function composePs(): Promise<PsEntry[]> {
  const { stdout } = await compose('ps', '--all', '--format', 'json');
  const text = stdout.trim();
  if (text.startsWith('[')) return JSON.parse(text) as PsEntry[];
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as PsEntry);
}

interface ClusterNode {
  id: string;
  /** The announced hostname: the compose service. */
  name: string;
  primary: boolean;
  /** For a replica, the id of its primary. */
  replicates: string | undefined;
  ranges: [number, number][];
  failed: boolean;
}

/** CLUSTER NODES as one node sees it: `<id> <ip:port@bus,hostname> <flags> <primary|-> <ping> <pong> <epoch> <link> <slots…>`. */
async function clusterNodes(from: string): Promise<ClusterNode[]> {
  return (await redisCli(from, 'cluster', 'nodes')).split('\n').map((line) => {
    const [id, address, flags, replicates, , , , , ...slots] = line.split(' ');
    const flagList = flags!.split(',');
    return {
      id: id!,
      name: address!.split(',')[1] ?? address!,
      primary: flagList.includes('master'),
      replicates: replicates === '-' ? undefined : replicates,
      // Migrating or importing slots ([…->-…]) are not served by this node yet.
      ranges: slots.filter((s) => !s.startsWith('[')).map((s) => s.split('-').map(Number) as [number, number]).map(([a, b]) => [a, b ?? a]),
      failed: flagList.includes('fail') || flagList.includes('fail?'),
    };
  });
}

const ownerOf = (nodes: ClusterNode[], slot: number) =>
  nodes.find((n) => n.primary && !n.failed && n.ranges.some(([a, b]) => slot >= a && slot <= b));

/** Polls `probe` until it returns true; for conditions no event announces (a promotion, a replica back in sync). */
async function eventually(probe: () => Promise<boolean>, ms: number, what: string): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await probe().catch(() => false)) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not within ${ms} ms`);
}

describe.skipIf(skip)(title, () => {
  let stack: StartedDockerComposeEnvironment | undefined;
  let port = 0;
  let failed = false;
  const clients = new Map<string, RecordingClient>();
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  const events = (rid: string) => `/api/restaurants/${rid}/events`;
  const slots = new Map<string, number>();

  async function write(path: string, method: string, body: object): Promise<Response> {
    return fetch(url(path), { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  /** A price change of the restaurant's one dish, answered as it was (status, Retry-After). */
  async function touch(rid: string): Promise<Response> {
    const [dish] = (await (await fetch(url(`/api/restaurants/${rid}/dishes`))).json()) as { id: string; price: number }[];
    if (!dish) throw new Error(`restaurant ${rid} has no dish`);
    return write(`/api/restaurants/${rid}/dishes/${dish.id}`, 'PATCH', { price: dish.price + 1 });
  }

  /** The restaurant's client has every event of its log up to the log's current end, once and in order. */
  async function caughtUp(rid: string): Promise<string[]> {
    const client = clients.get(rid)!;
    const until = await lastLogId(port, client.startId!, events(rid));
    await client.until(() => client.lastId !== undefined && compareStreamIds(client.lastId, until) >= 0, 30_000, `${rid} reaching ${until}`);
    return deliveryProblems(client, await logBetween(port, client.startId!, until, events(rid)), until);
  }

  beforeAll(async () => {
    if (noDocker !== undefined) throw new Error(`CI=true and Docker does not answer (${noDocker}): run ../shared/docker-offline/prepare and eval its --env`);
    await execFileAsync('docker', ['compose', 'version']).catch((err: Error) => {
      throw new Error(`Docker answers but the Compose plugin does not: ${err.message}`);
    });
    // Built first on its own so that a failing build reports its compiler output, not only compose's last line.
    await compose('build').catch((err: Error & { stdout?: string; stderr?: string }) => {
      const output = `${err.stdout ?? ''}\n${err.stderr ?? ''}`.trim().split('\n').slice(-60).join('\n');
      throw new Error(`docker compose build failed:\n${output}`);
    });
    stack = await new DockerComposeEnvironment(root, FILES)
      .withProjectName(project)
      .withBuild()
      .withEnvironment(stackEnv)
      .withDefaultWaitStrategy(Wait.forHealthCheck())
      // The one-shot init creates the cluster and exits 0: compose starts the services only after that.
      .withWaitStrategy('redis-cluster-init-1', Wait.forOneShotStartup())
      .withStartupTimeout(180_000)
      .up();
    port = stack.getContainer('web-1').getMappedPort(8080);
  }, 20 * 60_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });

  afterAll(async () => {
    for (const c of clients.values()) c.close();
    if (failed || !stack) {
      const logs = await compose('logs', '--no-color', '--tail', '40').catch((err: Error) => ({ stdout: err.message }));
      console.log(`[compose] last log lines of ${project}:\n${logs.stdout}`);
    }
    if (stack) await stack.down({ removeVolumes: true });
    // Also after a failed `up`: leave no container, network, volume or per-project image behind (the build cache stays).
    await compose('down', '--volumes', '--remove-orphans', '--rmi', 'local', '--timeout', '5').catch(() => {});
  }, 120_000);

  it('runs six cluster nodes instead of the single Redis: three primaries with a replica each, every slot served', async () => {
    const ps = await composePs();
    expect(ps.filter((e) => e.Service === 'redis').map((e) => e.State), 'the base file\'s single Redis').toEqual([]);
    const init = ps.find((e) => e.Service === 'redis-cluster-init');
    expect([init?.State, init?.ExitCode]).toEqual(['exited', 0]);
    const serving = ps.filter((e) => e.Service !== 'redis-cluster-init');
    expect(serving.map((e) => e.Service).sort()).toEqual(['dish', 'notifier', 'sse-gateway', 'web', 'ws-gateway', ...NODES].sort());
    expect(serving.filter((e) => e.State !== 'running' || e.Health !== 'healthy').map((e) => `${e.Service}: ${e.State} ${e.Health}`)).toEqual([]);

    const info = await redisCli('redis-1', 'cluster', 'info');
    expect(info).toContain('cluster_state:ok');
    expect(info).toContain('cluster_slots_ok:16384');
    expect(info).toContain('cluster_size:3');
    expect(info).toContain('cluster_known_nodes:6');
    const nodes = await clusterNodes('redis-1');
    const primaries = nodes.filter((n) => n.primary);
    expect(primaries.map((n) => n.name).sort()).toEqual(['redis-1', 'redis-2', 'redis-3']);
    expect(primaries.map((p) => nodes.filter((n) => n.replicates === p.id).length)).toEqual([1, 1, 1]);
  });

  it('serves the dashboard and the API through nginx, and a dish change reaches a WebSocket and an SSE client', async () => {
    const page = await fetch(url('/'));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    expect(await (await fetch(url('/config.json'))).json()).toMatchObject({ apiBase: '/api', wsUrl: '/ws', sseUrl: '/sse' });

    const ws = new RecordingClient('ws', [`ws://127.0.0.1:${port}/ws`]).start();
    const sse = new RecordingClient('sse', [url('/sse')]).start();
    try {
      await Promise.all([ws, sse].map((c) => c.until(() => c.snapshots > 0, 30_000, 'first snapshot')));
      const [dish] = (await (await fetch(url('/api/dishes'))).json()) as { id: string; price: number }[];
      const anonymous = await fetch(url(`/api/dishes/${dish!.id}`), { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"price":1}' });
      expect(anonymous.status).toBe(401);
      const res = await write(`/api/dishes/${dish!.id}`, 'PATCH', { price: dish!.price + 1 });
      expect(res.status).toBe(200);
      const until = await lastLogId(port, ws.startId!);
      await Promise.all([ws, sse].map((c) => c.until(() => c.lastId !== undefined && compareStreamIds(c.lastId, until) >= 0, 30_000, `reaching ${until}`)));
      const log = await logBetween(port, [ws, sse].map((c) => c.startId!).sort(compareStreamIds)[0]!, until);
      expect([ws, sse].flatMap((c) => deliveryProblems(c, log, until).map((p) => `${c.kind}: ${p}`))).toEqual([]);
    } finally {
      ws.close();
      sse.close();
    }
  }, 60_000);

  it('puts restaurants on different primaries: one restaurant = one hash tag = one slot = one primary', async () => {
    for (const rid of RESTAURANTS) {
      const created = await write('/api/restaurants', 'POST', { id: rid, name: `Cluster ${rid}` });
      expect(created.status, `POST /api/restaurants ${rid}`).toBe(201);
      const dish = await write(`/api/restaurants/${rid}/dishes`, 'POST', { id: 'tea', name: 'Tea', category: 'drinks', price: 300, stock: 100 });
      expect(dish.status, `POST ${rid}/dishes`).toBe(201);
      slots.set(rid, Number(await redisCli('redis-1', 'cluster', 'keyslot', `{r:${rid}}`)));
    }
    const nodes = await clusterNodes('redis-1');
    const owners = RESTAURANTS.map((rid) => ownerOf(nodes, slots.get(rid)!)?.name);
    console.log(`[compose cluster] restaurants ${RESTAURANTS.map((rid, i) => `${rid} (slot ${slots.get(rid)}) on ${owners[i]}`).join(', ')}`);
    expect(new Set(owners).size).toBe(3);
    // The keys are really there: each owner holds keys in its restaurant's slot.
    for (const [i, rid] of RESTAURANTS.entries()) {
      expect(Number(await redisCli(owners[i]!, 'cluster', 'countkeysinslot', String(slots.get(rid)))), `${rid} keys on ${owners[i]}`).toBeGreaterThan(0);
    }
  });

  it('delivers a write to each restaurant to a WebSocket client of that restaurant', async () => {
    expect(slots.size, 'needs the restaurants of the previous test').toBe(RESTAURANTS.length);
    for (const rid of RESTAURANTS) clients.set(rid, new RecordingClient('ws', [`ws://127.0.0.1:${port}/ws/${rid}`]).start());
    await Promise.all([...clients.values()].map((c) => c.until(() => c.snapshots > 0, 30_000, 'first snapshot')));
    for (const rid of RESTAURANTS) expect((await touch(rid)).status, `PATCH in ${rid}`).toBe(200);
    for (const rid of RESTAURANTS) expect(await caughtUp(rid), rid).toEqual([]);
  }, 60_000);

  it("survives the loss of a restaurant's primary: its replica is promoted, writes resume and reach the client", async () => {
    expect(clients.size, 'needs the clients of the previous test').toBe(RESTAURANTS.length);
    const [rid, ...others] = RESTAURANTS as [string, ...string[]];
    const before = await clusterNodes('redis-1');
    const primary = ownerOf(before, slots.get(rid)!)!;
    const replica = before.find((n) => n.replicates === primary.id)!;
    const witness = NODES.find((n) => n !== primary.name)!;

    const stopped = Date.now();
    await compose('stop', primary.name);
    const promotedMs = await eventually(async () => (await redisCli(replica.name, 'role')).startsWith('master'), PROMOTION_MS, `${replica.name} promoted`);
    await eventually(async () => ownerOf(await clusterNodes(witness), slots.get(rid)!)?.name === replica.name, PROMOTION_MS, `the cluster routing ${rid} to ${replica.name}`);
    console.log(`[compose cluster] ${primary.name} stopped (${rid}); ${replica.name} promoted ${Date.now() - stopped} ms after the stop began (${promotedMs} ms after it returned)`);

    // The other shards never stopped serving their restaurants (cluster-require-full-coverage no).
    for (const other of others) expect((await touch(other)).status, `PATCH in ${other} while ${primary.name} is down`).toBe(200);

    // The promoted node has no replica until the old primary comes back as one: meanwhile no replica can confirm a
    // write, which answers 503 with Retry-After (it may or may not have been applied). Back in sync, writes are
    // acknowledged again, and the client gets every event the log kept, the unconfirmed write's included.
    const unconfirmed = await touch(rid);
    expect([unconfirmed.status, unconfirmed.headers.has('retry-after')], `PATCH in ${rid} without a replica: ${await unconfirmed.clone().text()}`).toEqual([
      503,
      true,
    ]);
    await compose('start', primary.name);
    const syncedMs = await eventually(
      async () => /^slave0:.*state=online/m.test(await redisCli(replica.name, 'info', 'replication')),
      PROMOTION_MS,
      `${primary.name} back as the replica of ${replica.name}`,
    );
    console.log(`[compose cluster] ${primary.name} back as a replica in sync ${syncedMs} ms after its start`);
    const res = await touch(rid);
    expect(res.status, `PATCH in ${rid} after the failover: ${await res.clone().text()}`).toBe(200);
    for (const r of RESTAURANTS) expect(await caughtUp(r), r).toEqual([]);
  }, 120_000);
});
