// deploy/swarm/stack.yml, for real, on a single-node swarm: deployed, reached through nginx, services waiting for
// Redis, gateways scaled to 3, then both gateway services restarted replica by replica while 200 clients follow and
// 200 writes/s flow — every client must end with every event exactly once, in order.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compareStreamIds } from '@dish-live/protocol';
import { deliveryProblems, dockerSuite, recordFigures, RecordingClient } from '@dish-live/test-support';
import { freeSubnet } from '../compose/free-subnet.js';
import { lastLogId, logBetween } from '../compose/polled-log.js';
import { startWriteLoad } from './swarm-load.js';
import { docker, eventually, freePort, SwarmStack } from './swarm-stack.js';

const id = randomBytes(4).toString('hex');
const token = 'swarm-test-token';
const GATEWAYS = ['ws-gateway', 'sse-gateway'];
const CLIENTS = 200;
const WRITES_PER_SEC = 200;

const { skip, title, problem: noDocker } = await dockerSuite('docker swarm stack');

describe.skipIf(skip)(title, () => {
  let stack: SwarmStack | undefined;
  let port = 0;
  let failed = false;
  const clients: RecordingClient[] = [];
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;

  beforeAll(async () => {
    if (noDocker !== undefined) throw new Error(`CI=true and Docker does not answer (${noDocker}): run ../shared/docker-offline/prepare and eval its --env`);
    port = await freePort();
    // The overlay's subnet must not overlap another network of the engine; TRUST_PROXY names it.
    const { DISH_LIVE_NET } = await freeSubnet();
    stack = new SwarmStack(`dlswarm${id}`, `dish-live-swarm-test-${id}`, {
      WEB_PORT: String(port),
      DISH_LIVE_NET,
      DISH_API_TOKENS: token,
      // The test's writes alone decide the log; every one of them comes from this host's single address.
      SIM_RATE: '0',
      WRITE_RATE_BURST: '100000',
      WRITE_RATE_PER_SEC: '100000',
      // A minute of 200 writes/s must stay in the stream, so that the log the clients are judged against is whole.
      STREAM_MAXLEN: '100000',
    });
    await stack.joinSwarm();
    await stack.deploy();
    const readyMs = await stack.waitReady(240_000);
    console.log(`[swarm] ${stack.name} deployed, every service ready ${readyMs} ms after deploy returned; web on host port ${port}`);
  }, 20 * 60_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    if (!stack) return;
    if (failed) console.log(`[swarm] last log lines of ${stack.name}:\n${await stack.logs().catch((e: Error) => e.message)}`);
    await stack.remove();
  }, 5 * 60_000);

  it('runs every service with its replicas healthy, DNS round robin, and web on a host-mode port', async () => {
    const replicas = Object.fromEntries(await stack!.replicas());
    expect(replicas).toEqual({ redis: '1/1', dish: '1/1', notifier: '1/1', 'ws-gateway': '2/2', 'sse-gateway': '2/2', web: '1/1' });
    for (const service of Object.keys(replicas)) {
      const spec = JSON.parse(await docker(['service', 'inspect', '--format', '{{json .Spec}}', stack!.service(service)])) as {
        EndpointSpec?: { Mode?: string; Ports?: { PublishMode?: string }[] };
        TaskTemplate: { ContainerSpec: { Healthcheck?: { Test?: string[] } } };
      };
      expect([service, spec.EndpointSpec?.Mode, (spec.TaskTemplate.ContainerSpec.Healthcheck?.Test?.length ?? 0) > 0]).toEqual([service, 'dnsrr', true]);
      if (service === 'web') expect(spec.EndpointSpec?.Ports?.map((p) => p.PublishMode)).toEqual(['host']);
    }
  });

  it('serves the dashboard and the API through nginx', async () => {
    const page = await fetch(url('/'));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    expect(await (await fetch(url('/config.json'))).json()).toMatchObject({ apiBase: '/api', wsUrl: '/ws', sseUrl: '/sse' });
    const dishes = (await (await fetch(url('/api/dishes'))).json()) as { id: string; price: number }[];
    expect(dishes.length).toBeGreaterThan(0);
    const headers = { 'content-type': 'application/json' };
    const path = url(`/api/dishes/${encodeURIComponent(dishes[0]!.id)}`);
    expect((await fetch(path, { method: 'PATCH', headers, body: '{"price":1}' })).status).toBe(401);
    const res = await fetch(path, { method: 'PATCH', headers: { ...headers, authorization: `Bearer ${token}` }, body: JSON.stringify({ price: dishes[0]!.price + 1 }) });
    expect(res.status).toBe(200);
  });

  it('keeps the services waiting while Redis is away (API 503, not ready) and serving again once it is back', async () => {
    // depends_on means nothing to Swarm: the services must wait for Redis themselves, here and at every deploy.
    await docker(['service', 'scale', '--detach', `${stack!.service('redis')}=0`]);
    await eventually(async () => (await fetch(url('/api/dishes'))).status === 503, 60_000, 'the API answering 503 without Redis');
    expect((await fetch(url('/'))).status, 'the dashboard itself').toBe(200);
    // Swarm counts a task as running only while its healthcheck (/readyz) passes: some service must drop below its count.
    const notReady = async () => [...(await stack!.replicas())].filter(([s, r]) => s !== 'redis' && r.split('/')[0] !== r.split('/')[1]);
    await eventually(async () => (await notReady()).length > 0, 60_000, 'a service reported not ready without Redis');
    await docker(['service', 'scale', '--detach', `${stack!.service('redis')}=1`]);
    const back = Date.now();
    await stack!.waitReady(180_000);
    await eventually(async () => (await fetch(url('/api/dishes'))).status === 200, 60_000, 'the API answering 200 again');
    const backMs = Date.now() - back;
    console.log(`[swarm] Redis back: every service ready again within ${backMs} ms`);
  }, 300_000);

  it('scales both gateways to 3 and restarts them replica by replica under load: every client gets every event once, in order', async () => {
    await docker(['service', 'scale', ...GATEWAYS.map((g) => `${stack!.service(g)}=3`)]);
    await stack!.waitReady(120_000, { 'ws-gateway': 3, 'sse-gateway': 3 });
    const before = Object.fromEntries(await Promise.all(GATEWAYS.map(async (g) => [g, await stack!.containers(g)] as const)));
    expect(GATEWAYS.map((g) => before[g]!.length)).toEqual([3, 3]);

    // Half WebSocket, half SSE, through nginx as the dashboard connects; staggered like dashboards opening.
    for (let i = 0; i < CLIENTS; i++) {
      const kind = i % 2 === 0 ? 'ws' : 'sse';
      clients.push(new RecordingClient(kind, [kind === 'ws' ? `ws://127.0.0.1:${port}/ws` : url('/sse')]).start());
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(clients.map((c) => c.until(() => c.snapshots > 0, 60_000, 'first snapshot')));
    const servedBefore = new Set(clients.map((c) => c.instance!.slice(0, 12)));

    const load = await startWriteLoad(url(''), token, WRITES_PER_SEC);
    await new Promise((r) => setTimeout(r, 3000));
    const restartMs = await Promise.all(GATEWAYS.map((g) => stack!.rollingRestart(g, 240_000)));
    await new Promise((r) => setTimeout(r, 2000));
    const statuses = await load.stop();
    const seconds = load.sent / WRITES_PER_SEC;
    console.log(`[swarm] rolling restarts: ws ${restartMs[0]} ms, sse ${restartMs[1]} ms; ${load.sent} writes in ~${seconds.toFixed(0)} s: ${JSON.stringify(statuses)}`);

    const after = Object.fromEntries(await Promise.all(GATEWAYS.map(async (g) => [g, await stack!.containers(g)] as const)));
    for (const g of GATEWAYS) {
      expect(after[g]!.length, `${g} replicas after the restart`).toBe(3);
      expect(after[g]!.filter((c) => before[g]!.includes(c)), `${g}: containers that were not replaced`).toEqual([]);
    }
    expect(statuses).toEqual({ 200: load.sent });

    const from = clients.map((c) => c.startId!).sort(compareStreamIds)[0]!;
    const until = await lastLogId(port, from);
    await Promise.all(clients.map((c) => c.until(() => c.lastId !== undefined && compareStreamIds(c.lastId, until) >= 0, 60_000, `reaching ${until}`)));
    const log = await logBetween(port, from, until);
    const problems = clients.flatMap((c, i) => deliveryProblems(c, log, until).map((p) => `${c.kind} client ${i}: ${p}`));
    const moved = clients.filter((c) => c.resumes > 0).length;
    const perClient = clients.map((c) => c.events.filter((e) => compareStreamIds(e.id, until) <= 0).length);
    console.log(
      `[swarm] ${clients.length} clients on ${servedBefore.size} replicas; ${log.length} events in the log; ${moved} clients resumed ` +
        `(${clients.reduce((n, c) => n + c.resumes, 0)} resumes), events per client ${Math.min(...perClient)}–${Math.max(...perClient)}; ${problems.length} problems`,
    );
    // Per client: events of the log after its snapshot it never got, and events it got more than once.
    const tally = clients.map((c) => {
      const got = c.events.filter((e) => compareStreamIds(e.id, until) <= 0).map((e) => e.id);
      const unique = new Set(got);
      return { lost: log.filter((e) => compareStreamIds(e.id, c.startId!) > 0 && !unique.has(e.id)).length, duplicates: got.length - unique.size };
    });
    recordFigures(import.meta.url, {
      faultsInjected: 1 + 2 * 3,
      eventsWritten: log.length,
      eventsLost: tally.reduce((n, t) => n + t.lost, 0),
      duplicates: tally.reduce((n, t) => n + t.duplicates, 0),
      connectionsHeld: clients.length,
      fiveXxSeen: Object.entries(statuses).filter(([s]) => Number(s) >= 500).reduce((n, [, v]) => n + v, 0),
    });
    expect(problems.slice(0, 20)).toEqual([]);
    expect(moved, 'every client was on a restarted replica').toBe(clients.length);
  }, 10 * 60_000);
});
