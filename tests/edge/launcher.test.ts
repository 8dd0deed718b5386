// `npm start` for real (scripts/start.ts through npx tsx, as the npm script runs it) over the test Redis: one unit of
// processes that a client cannot fool with a made-up X-Forwarded-For, that stops whole when a service dies, and
// that leaves nothing behind when the launcher itself is SIGKILLed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@dish-live/local-redis';
import { accepted, httpRequest, requestBurst, testRedis, waitFor, wsChatBurst } from '@dish-live/test-support';
import { isRunning } from '../../scripts/process-alive.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const redis = testRedis('launcher');
const token = 'launcher-test-token';
// Small budgets that do not refill during a test (0.001/s), so every count below is exact.
const WRITE_BURST = 50;
const CHAT_BURST = 5;
const WS_CHAT_BURST = 3;
const limits = {
  WRITE_RATE_BURST: String(WRITE_BURST),
  WRITE_RATE_PER_SEC: '0.001',
  CHAT_RATE_BURST: String(CHAT_BURST),
  CHAT_RATE_PER_SEC: '0.001',
  CHAT_BURST: String(WS_CHAT_BURST),
  CHAT_RATE: '1',
};

interface Launch {
  /** The npx process the test spawned; the launcher is its grandchild. */
  npx: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
  /** By name, as the launcher prints them: launcher, watchdog, dish, ws-gateway, sse-gateway. */
  pids: Record<string, number>;
  webPort: number;
}

const launches: Launch[] = [];

async function launch(name: string): Promise<Launch> {
  const [webPort, dishPort, wsPort, ssePort, notifierPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const npx = spawn('npx', ['tsx', '--tsconfig', 'tsconfig.json', 'scripts/start.ts'], {
    cwd: root,
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      KEY_PREFIX: `${redis.prefix}${name}:`,
      WEB_PORT: String(webPort),
      DISH_PORT: String(dishPort),
      WS_PORT: String(wsPort),
      SSE_PORT: String(ssePort),
      NOTIFIER_PORT: String(notifierPort),
      DISH_API_TOKENS: token,
      SIM_RATE: '0',
      LOG_LEVEL: 'info',
      ALLOWED_ORIGINS: '',
      ...limits,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npx.stdout.on('data', (c: Buffer) => (output += c.toString()));
  npx.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => npx.once('exit', (code) => resolve(code)));
  const started: Launch = { npx, exited, output: () => output, pids: {}, webPort };
  launches.push(started);
  const line = await waitFor('the launcher to print its pids', () => /\[start\] pids: (.*)/.exec(output)?.[1], 60_000, () => output.slice(-1500));
  for (const [, who, pid] of line.matchAll(/([\w-]+) (\d+)/g)) started.pids[who!] = Number(pid);
  // Every service answers through the local web server (or directly, for the gateways' readiness).
  await waitFor(
    'every service to be ready',
    async () => {
      const answers = await Promise.all([
        httpRequest(webPort, '/api/dishes').then((r) => r.status),
        httpRequest(wsPort, '/readyz').then((r) => r.status),
        httpRequest(ssePort, '/readyz').then((r) => r.status),
      ]).catch(() => []);
      return answers.length === 3 && answers.every((s) => s === 200);
    },
    60_000,
    () => output.slice(-1500),
  );
  return started;
}

/** Each listed process gone (zombies count as gone), or the names of those still running after `ms`. */
async function allGone(pids: number[], ms: number): Promise<number[]> {
  await waitFor('the processes to exit', () => pids.every((pid) => !isRunning(pid)), ms).catch(() => undefined);
  return pids.filter(isRunning);
}

describe('npm start (scripts/start.ts)', () => {
  afterAll(async () => {
    // Whatever a failed test left: SIGKILL by pid, each process the launcher named, then the npx chain.
    for (const l of launches) {
      for (const pid of Object.values(l.pids)) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
      if (l.npx.exitCode === null && l.npx.signalCode === null) l.npx.kill('SIGKILL');
      await l.exited;
    }
  }, 30_000);

  it('is built: the launcher runs services/*/dist', () => {
    const missing = ['dish', 'ws-gateway', 'sse-gateway'].map((s) => `services/${s}/dist/main.js`).filter((f) => !existsSync(`${root}${f}`));
    expect(missing, 'run `npm run build` first').toEqual([]);
  });

  let running: Launch | undefined;

  it('runs the services on 127.0.0.1 only', async () => {
    running = await launch('a');
    const hosts = running
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{') && l.includes(' listening"'))
      .map((l) => {
        // The gateways and the notifier log their host; the dish service its url.
        const record = JSON.parse(l) as { host?: string; url?: string };
        return record.host ?? (record.url === undefined ? undefined : new URL(record.url).hostname);
      });
    expect(hosts).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1']);
  }, 90_000);

  it('counts writes against the connection address: a rotating X-Forwarded-For gets exactly as many 429s as none', async () => {
    expect(running, 'needs the launcher of the previous test').toBeDefined();
    const patch = () => ({ method: 'PATCH', target: '/api/dishes/x', body: '{"price":1}', headers: { authorization: 'Bearer wrong-token' } });
    // Two loopback addresses are two clients to the server, each with a budget of its own.
    const rotating = await requestBurst(running!.webPort, 600, { rotate: true, localAddress: '127.0.0.2' }, patch);
    const plain = await requestBurst(running!.webPort, 600, { rotate: false, localAddress: '127.0.0.3' }, patch);
    console.log(`[launcher] 600 wrong-token PATCHes through npm start: rotating X-Forwarded-For ${JSON.stringify(rotating)}, none ${JSON.stringify(plain)}`);
    expect(rotating).toEqual({ 403: WRITE_BURST, 429: 600 - WRITE_BURST });
    expect(plain).toEqual(rotating);
  }, 120_000);

  it('counts chat posts and WebSocket chat against the connection address too', async () => {
    expect(running, 'needs the launcher of the previous test').toBeDefined();
    const post = (i: number) => ({ method: 'POST', target: '/api/chat', body: JSON.stringify({ author: 'edge test', text: `hello ${i}` }) });
    const rotating = await requestBurst(running!.webPort, 20, { rotate: true, localAddress: '127.0.0.4' }, post);
    const plain = await requestBurst(running!.webPort, 20, { rotate: false, localAddress: '127.0.0.5' }, post);
    const wsRotating = await wsChatBurst(running!.webPort, 12, { rotate: true, localAddress: '127.0.0.6' });
    const wsPlain = await wsChatBurst(running!.webPort, 12, { rotate: false, localAddress: '127.0.0.7' });
    console.log(`[launcher] 20 chat posts: rotating ${JSON.stringify(rotating)}, none ${JSON.stringify(plain)}; 12 WS chats, rate-limited: rotating ${wsRotating}, none ${wsPlain}`);
    expect([accepted(rotating), rotating[429]]).toEqual([CHAT_BURST, 20 - CHAT_BURST]);
    expect(plain).toEqual(rotating);
    expect([wsRotating, wsPlain]).toEqual([12 - WS_CHAT_BURST, 12 - WS_CHAT_BURST]);
  }, 120_000);

  it('stops every other service and exits non-zero when one service dies', async () => {
    expect(running, 'needs the launcher of the previous tests').toBeDefined();
    const { pids } = running!;
    process.kill(pids.dish!, 'SIGKILL');
    const code = await Promise.race([running!.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
    expect(code).not.toBe('hung');
    expect(code).not.toBe(0);
    expect(running!.output()).toMatch(/dish exited unexpectedly \(SIGKILL\); stopping the other services/);
    expect(await allGone([pids.launcher!, pids.watchdog!, pids['ws-gateway']!, pids['sse-gateway']!], 5000)).toEqual([]);
  }, 60_000);

  it('leaves no service running when the launcher is SIGKILLed', async () => {
    const victim = await launch('b');
    const { pids } = victim;
    process.kill(pids.launcher!, 'SIGKILL');
    const started = Date.now();
    // The watchdog sends SIGTERM and waits up to 8 s before SIGKILL.
    expect(await allGone([pids.dish!, pids['ws-gateway']!, pids['sse-gateway']!, pids.watchdog!], 12_000)).toEqual([]);
    console.log(`[launcher] SIGKILLed launcher: its services were gone after ${Date.now() - started} ms`);
    await expect(httpRequest(victim.webPort, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
    expect(victim.output()).toContain('its watchdog stopped what it left running');
  }, 120_000);
});
