// The user's main command, for real: `docker compose up --build` of this repository with two replicas of each gateway behind nginx.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DockerComposeEnvironment, Wait, type StartedDockerComposeEnvironment } from 'testcontainers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compareStreamIds } from '@dish-live/protocol';
import { contentSecurityPolicy } from '../../scripts/page-headers.js';
import { accepted, deliveryProblems, dockerSuite, httpRequest, RecordingClient, requestBurst, wsChatBurst } from '@dish-live/test-support';
import { freeSubnet } from './free-subnet.js';
import { lastLogId, logBetween } from './polled-log.js';

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const project = `dish-live-test-${randomBytes(4).toString('hex')}`;
const token = 'compose-test-token';
const CLIENTS_PER_GATEWAY = 20;
// Per-address budgets that do not refill during a test (0.001/s), so that the 429 counts below are exact; the other
// tests' writes (about 15, with the token) fit in the write budget.
const WRITE_BURST = 100;
const CHAT_BURST = 5;
const WS_CHAT_BURST = 3;

const { skip, title, problem: noDocker } = await dockerSuite('docker compose stack');
// WEB_PORT=0: Docker picks a free host port, so this never collides with a stack the developer runs on 8080; nor does
// the network, on a subnet of its own.
const stackEnv = {
  WEB_PORT: '0',
  SIM_RATE: '10',
  DISH_API_TOKENS: token,
  WRITE_RATE_BURST: String(WRITE_BURST),
  WRITE_RATE_PER_SEC: '0.001',
  CHAT_RATE_BURST: String(CHAT_BURST),
  CHAT_RATE_PER_SEC: '0.001',
  WS_CHAT_BURST: String(WS_CHAT_BURST),
  WS_CHAT_RATE: '1',
  ...(noDocker === undefined ? await freeSubnet() : {}),
};

function compose(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync('docker', ['compose', '-p', project, '-f', 'docker-compose.yml', ...args], {
    cwd: root,
    env: { ...process.env, ...stackEnv },
    maxBuffer: 16 * 1024 * 1024,
  });
}

interface PsEntry {
  ID: string;
  Service: string;
  State: string;
  Health: string;
}

async function composePs(): Promise<PsEntry[]> {
  const { stdout } = await compose('ps', '--format', 'json');
  const text = stdout.trim();
  if (text.startsWith('[')) return JSON.parse(text) as PsEntry[];
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as PsEntry);
}

/** Polls `probe` until it returns true; for conditions no event announces (a container coming back). */
async function eventually(probe: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not within ${ms} ms`);
}

describe.skipIf(skip)(title, () => {
  let stack: StartedDockerComposeEnvironment | undefined;
  let port = 0;
  let failed = false;
  const ws: RecordingClient[] = [];
  const sse: RecordingClient[] = [];
  const all = () => [...ws, ...sse];
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  /** A client of one gateway kind through nginx (started by the test). */
  const throughNginx = (kind: 'ws' | 'sse') => new RecordingClient(kind, [kind === 'ws' ? `ws://127.0.0.1:${port}/ws` : url('/sse')]);

  /** A write through nginx, so that the log moves on even if the simulator stalled. */
  async function touchDish(): Promise<void> {
    const dishes = (await (await fetch(url('/api/dishes'))).json()) as { id: string; price: number }[];
    const dish = dishes[0];
    if (!dish) throw new Error('no dish to touch');
    const res = await fetch(url(`/api/dishes/${encodeURIComponent(dish.id)}`), {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ price: dish.price + 1 }),
    });
    expect(res.status).toBe(200);
  }

  /** Every client has every event up to the log's current end: takes that end after a write of our own, then waits for all. */
  async function allCaughtUp(ms: number): Promise<string> {
    const from = all().reduce((min, c) => (compareStreamIds(c.startId!, min) < 0 ? c.startId! : min), all()[0]!.startId!);
    await touchDish();
    const target = await lastLogId(port, from);
    await Promise.all(all().map((c) => c.until(() => c.lastId !== undefined && compareStreamIds(c.lastId, target) >= 0, ms, `reaching ${target}`)));
    return target;
  }

  async function deliveryReport(until: string): Promise<string[]> {
    const from = all().reduce((min, c) => (compareStreamIds(c.startId!, min) < 0 ? c.startId! : min), all()[0]!.startId!);
    const log = await logBetween(port, from, until);
    return all().flatMap((c, i) => deliveryProblems(c, log, until).map((p) => `${c.kind} client ${i}: ${p}`));
  }

  /**
   * Clients whose median latency over their next `count` events exceeds 250 ms. A healthy stack delivers in a few ms;
   * a gateway whose feed lost its subscription shows up at ~0.5 s, since it then only notices new events by polling each second.
   */
  async function slowClients(count: number): Promise<string[]> {
    const from = all().map((c) => c.latencies.length);
    await Promise.all(all().map((c, i) => c.until(() => c.latencies.length >= from[i]! + count, 30_000, `${count} more events`)));
    return all()
      .map((c, i) => {
        const recent = c.latencies.slice(from[i]).sort((a, b) => a - b);
        return { c, median: recent[Math.floor(recent.length / 2)]! };
      })
      .filter(({ median }) => median > 250)
      .map(({ c, median }) => `${c.kind} client on ${c.instance}: median ${median} ms`);
  }

  beforeAll(async () => {
    if (noDocker !== undefined) throw new Error(`CI=true and Docker does not answer (${noDocker}): run ../shared/docker-offline/prepare and eval its --env`);
    await execFileAsync('docker', ['compose', 'version']).catch((err: Error) => {
      throw new Error(`Docker answers but the Compose plugin does not: ${err.message}`);
    });
    // Built first on its own so that a failing build reports its compiler output, not only compose's last line;
    // the `--build` of `up` below then comes from the cache.
    await compose('build').catch((err: Error & { stdout?: string; stderr?: string }) => {
      const output = `${err.stdout ?? ''}\n${err.stderr ?? ''}`.trim().split('\n').slice(-60).join('\n');
      throw new Error(`docker compose build failed:\n${output}`);
    });
    stack = await new DockerComposeEnvironment(root, 'docker-compose.yml')
      .withProjectName(project)
      .withBuild()
      .withEnvironment(stackEnv)
      .withClientOptions({ commandOptions: ['--scale', 'ws-gateway=2', '--scale', 'sse-gateway=2'] })
      .withDefaultWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(120_000)
      .up();
    port = stack.getContainer('web-1').getMappedPort(8080);
  }, 20 * 60_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });

  afterAll(async () => {
    for (const c of all()) c.close();
    if (failed || !stack) {
      const logs = await compose('logs', '--no-color', '--tail', '40').catch((err: Error) => ({ stdout: err.message }));
      console.log(`[compose] last log lines of ${project}:\n${logs.stdout}`);
    }
    if (stack) await stack.down({ removeVolumes: true });
    // Also after a failed `up`: leave no container, network, volume or per-project image behind (the build cache stays).
    await compose('down', '--volumes', '--remove-orphans', '--rmi', 'local', '--timeout', '5').catch(() => {});
  }, 120_000);

  it('comes up with every service healthy and two replicas of each gateway', async () => {
    const ps = await composePs();
    const count = (service: string) => ps.filter((e) => e.Service === service).length;
    expect({ redis: count('redis'), dish: count('dish'), ws: count('ws-gateway'), sse: count('sse-gateway'), web: count('web') }).toEqual({
      redis: 1,
      dish: 1,
      ws: 2,
      sse: 2,
      web: 1,
    });
    expect(ps.filter((e) => e.State !== 'running' || e.Health !== 'healthy').map((e) => `${e.Service}: ${e.State} ${e.Health}`)).toEqual([]);
  });

  it('serves the dashboard, its runtime config and the dish API through nginx', async () => {
    const page = await fetch(url('/'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<div id="app">');
    const script = /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script, 'index.html names a bundled script under /assets/').toBeDefined();
    const asset = await fetch(url(script!));
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');

    // The dashboard has no routes of its own: another path is not the page.
    const route = await fetch(url('/dishes/some-route'));
    expect(route.status).toBe(404);
    expect(await route.text()).not.toContain('<div id="app">');

    const config = await fetch(url('/config.json'));
    expect(config.headers.get('cache-control')).toBe('no-store');
    expect(await config.json()).toEqual({ apiBase: '/api', wsUrl: '/ws', sseUrl: '/sse', writeTokenRequired: true, pollIntervalMs: 1000, currency: 'EUR' });

    const dishes = await fetch(url('/api/dishes'));
    expect(dishes.status).toBe(200);
    const list = (await dishes.json()) as { id: string; price: number }[];
    expect(list.length).toBeGreaterThan(0);

    const anonymous = await fetch(url(`/api/dishes/${encodeURIComponent(list[0]!.id)}`), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ price: 1 }),
    });
    expect(anonymous.status).toBe(401);
    await touchDish();
  });

  it('sends the page headers, gzips text and answers only the page as the page', async () => {
    const page = await httpRequest(port, '/');
    const script = /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(page.body.toString())![1]!;
    const csp = contentSecurityPolicy({ apiBase: '/api', wsUrl: '/ws', sseUrl: '/sse' });
    for (const target of ['/', '/index.html', script, '/config.json', '/healthz', '/metrics']) {
      const res = await httpRequest(port, target);
      expect(
        [res.headers['content-security-policy'], res.headers['x-frame-options'], res.headers['x-content-type-options'], res.headers['referrer-policy']],
        target,
      ).toEqual([csp, 'DENY', 'nosniff', 'no-referrer']);
    }
    expect(page.headers['cache-control']).toBe('no-cache');

    const zipped = await httpRequest(port, script, { headers: { 'accept-encoding': 'gzip' } });
    expect([zipped.status, zipped.headers['content-encoding'], zipped.headers['cache-control']]).toEqual([200, 'gzip', 'public, max-age=31536000, immutable']);
    const plain = await httpRequest(port, script);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(zipped.body.length).toBeLessThan(plain.body.length / 2);

    const health = await httpRequest(port, '/healthz');
    expect([health.status, health.headers['content-type'], health.body.toString()]).toEqual([200, 'text/plain', 'ok\n']);
    for (const target of ['/metrics', '/readyz', '/favicon-x.png', '/assets/missing.js']) {
      const res = await httpRequest(port, target);
      expect([res.status, res.headers['content-type']], target).toEqual([404, 'application/problem+json']);
    }
    expect((await httpRequest(port, '/%E0%A4%A')).status).toBe(400);
  });

  it('counts writes and chat against the connection address: a rotating X-Forwarded-For gets exactly as many 429s as none', async () => {
    // Every client here reaches nginx from the same address, and chat over /api and over /ws share one budget per
    // address: the budgets are emptied before each burst and after the last.
    const resetBudgets = () => compose('exec', '-T', 'redis', 'sh', '-c', "redis-cli --scan --pattern '*rate:*' | xargs -r redis-cli del");
    const patch = () => ({ method: 'PATCH', target: '/api/dishes/x', body: '{"price":1}', headers: { authorization: 'Bearer wrong-token' } });
    const post = (i: number) => ({ method: 'POST', target: '/api/chat', body: JSON.stringify({ author: 'compose test', text: `hello ${i}` }) });
    const run = async (rotate: boolean) => {
      await resetBudgets();
      const writes = await requestBurst(port, 600, { rotate }, patch);
      await resetBudgets();
      const chat = await requestBurst(port, 20, { rotate }, post);
      await resetBudgets();
      const wsLimited = await wsChatBurst(port, 12, { rotate });
      return { writes, chat, wsLimited };
    };
    try {
      const rotating = await run(true);
      const plain = await run(false);
      console.log(`[compose] through nginx, rotating X-Forwarded-For: ${JSON.stringify(rotating)}; none: ${JSON.stringify(plain)}`);
      expect(rotating.writes).toEqual({ 403: WRITE_BURST, 429: 600 - WRITE_BURST });
      expect([accepted(rotating.chat), rotating.chat[429]]).toEqual([CHAT_BURST, 20 - CHAT_BURST]);
      expect(rotating.wsLimited).toBe(12 - WS_CHAT_BURST);
      expect(plain).toEqual(rotating);
    } finally {
      await resetBudgets();
    }
  }, 120_000);

  it(`spreads ${CLIENTS_PER_GATEWAY} WebSocket and ${CLIENTS_PER_GATEWAY} SSE clients over both replicas of each gateway`, async () => {
    for (let i = 0; i < CLIENTS_PER_GATEWAY; i++) ws.push(throughNginx('ws'));
    for (let i = 0; i < CLIENTS_PER_GATEWAY; i++) sse.push(throughNginx('sse'));
    // Staggered like real dashboards opening: nginx gives every request that waits on the same DNS lookup
    // the same first address, so a burst inside one lookup lands on one replica (spread resumes at the next request).
    for (const c of all()) {
      c.start();
      await new Promise((r) => setTimeout(r, 25));
    }
    await Promise.all(all().map((c) => c.until(() => c.snapshots > 0, 30_000, 'first snapshot')));

    const ps = await composePs();
    const hosts = (service: string) => ps.filter((e) => e.Service === service).map((e) => e.ID.slice(0, 12)).sort();
    // An instance id starts with the container's hostname, which Docker sets to the short container id.
    const servedBy = (clients: RecordingClient[]) => [...new Set(clients.map((c) => c.instance!.slice(0, 12)))].sort();
    expect(servedBy(ws)).toEqual(hosts('ws-gateway'));
    expect(servedBy(sse)).toEqual(hosts('sse-gateway'));
  }, 60_000);

  it('delivers changes to the clients of every replica within a fraction of a second', async () => {
    expect(all().length, 'needs the clients of the previous test').toBe(2 * CLIENTS_PER_GATEWAY);
    expect(await slowClients(15)).toEqual([]);
  }, 60_000);

  it("resumes a stopped replica's clients on the other one with every change exactly once", async () => {
    expect(all().length, 'needs the clients of the previous test').toBe(2 * CLIENTS_PER_GATEWAY);
    const victims = [ws[0]!.instance!, sse[0]!.instance!];
    const moved = all().filter((c) => victims.includes(c.instance!));
    // Changes keep flowing while the replicas go away: the simulator writes, and so do we.
    const writes = (async () => {
      for (let i = 0; i < 10; i++) {
        await touchDish();
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const ps = await composePs();
    const containers = victims.map((v) => ps.find((e) => e.ID.startsWith(v.slice(0, 12)))!.ID);
    await execFileAsync('docker', ['stop', '--time', '15', ...containers]);
    await writes;

    await Promise.all(moved.map((c) => c.until(() => !victims.includes(c.instance!), 30_000, 'resuming on the surviving replica')));
    const until = await allCaughtUp(30_000);

    expect(moved.length).toBeGreaterThan(0);
    expect(moved.every((c) => c.resumes > 0)).toBe(true);
    expect(await deliveryReport(until)).toEqual([]);
  }, 120_000);

  it('keeps every dish and every event across `docker compose restart redis`', async () => {
    expect(all().length, 'needs the clients of the previous tests').toBe(2 * CLIENTS_PER_GATEWAY);
    const before = new Map(((await (await fetch(url('/api/dishes'))).json()) as { id: string; version: number }[]).map((d) => [d.id, d.version]));
    const lastBefore = await lastLogId(port, all()[0]!.lastId!);

    await compose('restart', 'redis');
    await eventually(async () => (await fetch(url('/api/dishes'))).ok, 60_000, 'the dish API answering again');

    const after = ((await (await fetch(url('/api/dishes'))).json()) as { id: string; version: number }[]).map((d) => [d.id, d.version] as const);
    const afterMap = new Map(after);
    expect([...before].filter(([id, version]) => (afterMap.get(id) ?? -1) < version)).toEqual([]);
    // The stream itself survived: the id from before the restart is still a usable `since`.
    const resume = (await (await fetch(url(`/api/events?since=${lastBefore}`))).json()) as { recovered: boolean };
    expect(resume.recovered).toBe(true);

    await eventually(async () => (await composePs()).every((e) => e.Health === 'healthy'), 60_000, 'every service healthy again');
    const until = await allCaughtUp(60_000);
    expect(await deliveryReport(until)).toEqual([]);
  }, 180_000);

  it('is as fast again once Redis is back', async () => {
    expect(all().length, 'needs the clients of the previous tests').toBe(2 * CLIENTS_PER_GATEWAY);
    expect(await slowClients(15)).toEqual([]);
  }, 60_000);

  it('sends new clients to replicas added by `--scale` after nginx started', async () => {
    await compose('up', '--detach', '--no-build', '--no-recreate', '--wait', '--scale', 'ws-gateway=3', '--scale', 'sse-gateway=3');
    const ps = await composePs();
    const hosts = (service: string) => ps.filter((e) => e.Service === service).map((e) => e.ID.slice(0, 12)).sort();
    expect([hosts('ws-gateway').length, hosts('sse-gateway').length]).toEqual([3, 3]);

    const fresh = [...Array.from({ length: 30 }, () => throughNginx('ws')), ...Array.from({ length: 30 }, () => throughNginx('sse'))];
    try {
      for (const c of fresh) {
        c.start();
        await new Promise((r) => setTimeout(r, 25));
      }
      await Promise.all(fresh.map((c) => c.until(() => c.snapshots > 0, 30_000, 'first snapshot')));
      const servedBy = (kind: string) => [...new Set(fresh.filter((c) => c.kind === kind).map((c) => c.instance!.slice(0, 12)))].sort();
      expect(servedBy('ws')).toEqual(hosts('ws-gateway'));
      expect(servedBy('sse')).toEqual(hosts('sse-gateway'));
    } finally {
      for (const c of fresh) c.close();
    }
  }, 180_000);
});
