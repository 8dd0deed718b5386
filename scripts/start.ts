// `npm start`: runs every service as a local process over one Redis (REDIS_URL, a local one, or a private redis-server).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import { isRedisReachable, spawnRedisServer, type RedisServerProcess } from '@dish-live/local-redis';
import { startLocalWeb } from './local-web.js';

const root = fileURLToPath(new URL('..', import.meta.url));

interface ServiceSpec {
  name: string;
  entry: string;
  env: Record<string, string>;
}

async function findRedis(): Promise<{ url: string; server?: RedisServerProcess }> {
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

function run(spec: ServiceSpec): ChildProcess {
  const child = spawn(process.execPath, [spec.entry], {
    cwd: root,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${spec.name} exited (${signal ?? code}); stopping the rest`);
      void stopAll(1);
    }
  });
  return child;
}

let stopping = false;
const children: ChildProcess[] = [];
let redisServer: RedisServerProcess | undefined;
let web: Server | undefined;

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  web?.close();
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  await redisServer?.stop();
  process.exit(code);
}

async function main(): Promise<void> {
  const redis = await findRedis();
  redisServer = redis.server;
  const tokens = process.env.DISH_API_TOKENS ?? randomBytes(16).toString('hex');
  const services: ServiceSpec[] = [
    {
      name: 'dish',
      entry: 'services/dish/dist/main.js',
      // The demo is meant to move: the simulator runs unless SIM_RATE=0.
      env: { PORT: process.env.DISH_PORT ?? '3000', SIM_RATE: process.env.SIM_RATE ?? '5' },
    },
    { name: 'ws-gateway', entry: 'services/ws-gateway/dist/main.js', env: { PORT: process.env.WS_PORT ?? '8081' } },
    { name: 'sse-gateway', entry: 'services/sse-gateway/dist/main.js', env: { PORT: process.env.SSE_PORT ?? '8082' } },
  ];
  for (const s of services) {
    if (!existsSync(`${root}${s.entry}`)) throw new Error(`${s.entry} is missing: run \`npm run build\` first`);
    children.push(run({ ...s, env: { ...s.env, REDIS_URL: redis.url, DISH_API_TOKENS: tokens } }));
  }
  const webPort = Number(process.env.WEB_PORT ?? 8080);
  const port = (i: number) => Number(services[i]!.env.PORT);
  web = await startLocalWeb({
    port: webPort,
    webRoot: `${root}web/dist`,
    api: { host: '127.0.0.1', port: port(0) },
    ws: { host: '127.0.0.1', port: port(1) },
    sse: { host: '127.0.0.1', port: port(2) },
    config: { apiBase: '/api', wsUrl: '/ws', sseUrl: '/sse', writeTokenRequired: true, pollIntervalMs: 1000 },
  });
  console.log(`[start] Redis: ${redis.url}${redis.server ? ` (private redis-server, pid ${redis.server.pid}, data in .dish-live/redis)` : ''}`);
  console.log(`[start] write token: ${tokens.split(',')[0]}${process.env.DISH_API_TOKENS ? ' (from DISH_API_TOKENS)' : ' (generated; set DISH_API_TOKENS to choose)'}`);
  console.log(`[start] open the dashboard: http://localhost:${webPort}/  (same origin serves /api, /ws and /sse)`);
  console.log(`[start] dish API  http://localhost:${services[0]!.env.PORT}/api/dishes`);
  console.log(`[start] WebSocket ws://localhost:${services[1]!.env.PORT}/ws`);
  console.log(`[start] SSE       http://localhost:${services[2]!.env.PORT}/sse`);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
main().catch(async (err: unknown) => {
  console.error(`[start] ${(err as Error).message}`);
  await stopAll(1);
});
