// `npm start`: runs every service as a local process over one Redis (REDIS_URL, a local one, or a private redis-server),
// or the Redis Cluster of REDIS_CLUSTER_NODES, behind scripts/local-web.ts, and keeps them one unit: a service that
// dies stops the rest, a signal stops all, and a watchdog (scripts/watchdog.ts) stops them even when this process is
// killed without a chance to.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { isRedisReachable, spawnRedisServer, type RedisServerProcess } from '@dish-live/local-redis';
import { startLocalWeb } from './local-web.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** How long a service may take to stop after SIGTERM (the gateways' SHUTDOWN_GRACE_MS is 5 s) before SIGKILL. */
const STOP_GRACE_MS = 8000;

interface ServiceSpec {
  name: string;
  entry: string;
  env: Record<string, string>;
}

interface Running {
  name: string;
  child: ChildProcess;
}

let stopping = false;
const running: Running[] = [];
let watchdog: ChildProcess | undefined;
let redisServer: RedisServerProcess | undefined;
let web: Server | undefined;

/** Tells the watchdog to guard (`+`) or forget (`-`) a pid. */
function guard(sign: '+' | '-', pid: number | undefined): void {
  if (pid !== undefined && watchdog?.stdin?.writable) watchdog.stdin.write(`${sign}${pid}\n`);
}

function startWatchdog(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', `${root}scripts/watchdog.ts`], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: `${root}tsconfig.json` },
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  child.stdin.on('error', () => {});
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[start] the watchdog exited (${signal ?? `code ${code}`}); stopping every service, since nothing would stop them if this launcher died`);
    void stopAll(1);
  });
  return child;
}

async function findRedis(): Promise<{ url: string; server?: RedisServerProcess }> {
  // A cluster: the services read REDIS_CLUSTER_NODES from the environment they inherit; one node answering will do here.
  const cluster = process.env.REDIS_CLUSTER_NODES;
  if (cluster) {
    for (const node of cluster.split(',')) {
      const url = `redis://${node.trim()}`;
      if (await isRedisReachable(url, 2000)) return { url };
    }
    throw new Error(`REDIS_CLUSTER_NODES=${cluster}: no node answers PING. Start the cluster, or unset it to use one Redis.`);
  }
  const given = process.env.REDIS_URL;
  if (given) {
    if (await isRedisReachable(given, 2000)) return { url: given };
    throw new Error(`REDIS_URL=${given} does not answer PING. Start that Redis, or unset REDIS_URL to use a private redis-server.`);
  }
  const local = 'redis://127.0.0.1:6379';
  if (await isRedisReachable(local, 500)) return { url: local };
  const dir = `${root}.dish-live/redis`;
  mkdirSync(dir, { recursive: true });
  try {
    const server = await spawnRedisServer({ dir });
    return { url: server.url, server };
  } catch (err) {
    throw new Error(
      `No Redis: REDIS_URL is not set, nothing answers on ${local}, and ${(err as Error).message}\n` +
        'Install one (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis) or run `docker compose up`.',
    );
  }
}

function run(spec: ServiceSpec): Running {
  const child = spawn(process.execPath, [spec.entry], {
    cwd: root,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  guard('+', child.pid);
  child.on('exit', (code, signal) => {
    guard('-', child.pid);
    if (stopping) return;
    console.error(`[start] ${spec.name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the other services`);
    void stopAll(1);
  });
  return { name: spec.name, child };
}

function stopChild({ child }: Running): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  web?.closeAllConnections();
  web?.close();
  await Promise.all(running.map(stopChild));
  if (redisServer) {
    await redisServer.stop();
    guard('-', redisServer.pid);
  }
  console.error(`[start] stopped ${running.map((r) => r.name).join(', ') || 'nothing (none had started)'}${redisServer ? ' and the private redis-server' : ''}; exit code ${code}`);
  // Closing the pipe tells the watchdog that nothing is left to guard.
  watchdog?.stdin?.end();
  process.exit(code);
}

/** What the simulator drives unless SIM_RESTAURANTS says otherwise. */
const DEMO_RESTAURANTS = 'default,demo-noodles,demo-dumplings,demo-hotpot';

/**
 * WEBHOOK_SECRET_KEY when set, else one made on the first start and kept in .dish-live/ (owner-only), so webhook
 * secrets are sealed at rest and still open after a restart.
 */
function webhookSecretKey(): string {
  if (process.env.WEBHOOK_SECRET_KEY) return process.env.WEBHOOK_SECRET_KEY;
  const file = `${root}.dish-live/webhook-secret-key`;
  mkdirSync(`${root}.dish-live`, { recursive: true });
  try {
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Made by an earlier start (or one starting beside this one): keep it, or the secrets sealed with it would not open.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return readFileSync(file, 'utf8').trim();
}

async function main(): Promise<void> {
  watchdog = startWatchdog();
  const redis = await findRedis();
  redisServer = redis.server;
  guard('+', redisServer?.pid);
  const tokens = process.env.DISH_API_TOKENS ?? randomBytes(16).toString('hex');
  // Empty counts as unset, as for every service variable.
  const simRestaurants = process.env.SIM_RESTAURANTS || DEMO_RESTAURANTS;
  // The services listen on loopback only, reached through the local web server alone; they trust its X-Forwarded-For
  // (it connects from 127.0.0.1 and writes the client's own address there) and no one else's.
  const shared = {
    REDIS_URL: redis.url,
    DISH_API_TOKENS: tokens,
    HOST: '127.0.0.1',
    TRUST_PROXY: '127.0.0.1',
    ALLOWED_ORIGINS: process.env.ALLOWED_ORIGINS ?? '',
    WEBHOOK_SECRET_KEY: webhookSecretKey(),
  };
  const services: ServiceSpec[] = [
    {
      name: 'dish',
      entry: 'services/dish/dist/main.js',
      // The demo is meant to move: the simulator runs unless SIM_RATE=0, in `default` and three demo restaurants (which
      // the dish service creates and seeds), so the dashboard's restaurant picker has something to show.
      env: { PORT: process.env.DISH_PORT ?? '3000', SIM_RATE: process.env.SIM_RATE ?? '5', SIM_RESTAURANTS: simRestaurants },
    },
    { name: 'ws-gateway', entry: 'services/ws-gateway/dist/main.js', env: { PORT: process.env.WS_PORT ?? '8081' } },
    { name: 'sse-gateway', entry: 'services/sse-gateway/dist/main.js', env: { PORT: process.env.SSE_PORT ?? '8082' } },
    // Alerts: signed webhooks for every restaurant that registers one (its probes only; nothing routes to it).
    { name: 'notifier', entry: 'services/notifier/dist/main.js', env: { PORT: process.env.NOTIFIER_PORT ?? '3001' } },
  ];
  for (const s of services) {
    if (!existsSync(`${root}${s.entry}`)) throw new Error(`${s.entry} is missing: run \`npm run build\` first`);
    running.push(run({ ...s, env: { ...s.env, ...shared } }));
  }
  const webPort = Number(process.env.WEB_PORT ?? 8080);
  const port = (i: number) => Number(services[i]!.env.PORT);
  web = await startLocalWeb({
    port: webPort,
    webRoot: `${root}web/dist`,
    api: { host: '127.0.0.1', port: port(0) },
    ws: { host: '127.0.0.1', port: port(1) },
    sse: { host: '127.0.0.1', port: port(2) },
    config: { apiBase: '/api', wsUrl: '/ws', sseUrl: '/sse', writeTokenRequired: true, pollIntervalMs: 1000, currency: process.env.CONFIG_CURRENCY ?? 'EUR' },
  });
  const pids = [`launcher ${process.pid}`, `watchdog ${watchdog.pid}`, ...(redisServer ? [`redis-server ${redisServer.pid}`] : []), ...running.map((r) => `${r.name} ${r.child.pid}`)];
  const where = process.env.REDIS_CLUSTER_NODES ? `the cluster of REDIS_CLUSTER_NODES (${redis.url} answered)` : redis.url;
  console.log(`[start] Redis: ${where}${redis.server ? ` (private redis-server, data in .dish-live/redis)` : ''}`);
  console.log(`[start] pids: ${pids.join(', ')}`);
  console.log(`[start] write token: ${tokens.split(',')[0]}${process.env.DISH_API_TOKENS ? ' (from DISH_API_TOKENS)' : ' (generated; set DISH_API_TOKENS to choose)'}`);
  console.log(`[start] open the dashboard: http://localhost:${webPort}/  (same origin serves /api, /ws and /sse; the services listen on 127.0.0.1 only)`);
  console.log(`[start] restaurants the simulator drives: ${simRestaurants}; open one at http://localhost:${webPort}/?restaurant=<id>, or pick it on the page`);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stopAll(0));
main().catch(async (err: unknown) => {
  console.error(`[start] ${(err as Error).message}`);
  await stopAll(1);
});
