// The stack a browser test runs against: the real services as child processes and the built dashboard behind the local
// proxy, with a Chromium and the stack's event log for a test file.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { EventLog } from '@dish-live/broker';
import { freePort } from '@dish-live/local-redis';
import { startService, waitForHttp, type ServiceName, type ServiceProcess, type TestRedis } from '@dish-live/test-support';
import { startLocalWeb } from '../../scripts/local-web.js';
import { launchChromium } from './chromium.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Starts a service as a real process and resolves once its /readyz answers 200 (the dish service listens before its
 * Redis is ready). `port` is a restart's: the proxy in front knows only that one.
 */
async function startReady(name: ServiceName, env: Record<string, string>, port?: number): Promise<ServiceProcess> {
  // A free port rather than 0: uWebSockets.js sets SO_REUSEADDR only on a port it is given, and without it the
  // connections a killed gateway left in TIME_WAIT would keep its successor from binding the same port.
  const service = await startService(name, env, { port: port ?? (await freePort()), timeoutMs: 40_000 });
  try {
    await waitForHttp(service, `${service.url}/readyz`, 40_000);
  } catch (err) {
    await service.stop();
    throw err;
  }
  return service;
}

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Builds web/dist when it is missing or older than its sources (the dashboard, the client, the protocol, the alert rules). */
export async function ensureWebBuild(): Promise<void> {
  const index = `${root}web/dist/index.html`;
  const sources = ['web/src', 'web/index.html', 'web/vite.config.ts', 'packages/client/src', 'packages/protocol/src', 'packages/webhooks/src'].map((p) => `${root}${p}`);
  if (existsSync(index) && statSync(index).mtimeMs > Math.max(...sources.map(newestMtime))) return;
  const child = spawn(`${root}node_modules/.bin/vite`, ['build', '--logLevel', 'warn'], { cwd: `${root}web`, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`vite build of web/ failed (${code}):\n${output}`);
}

export interface Stack {
  dish: ServiceProcess;
  ws: ServiceProcess;
  sse: ServiceProcess;
  web: Server;
  /** The page origin: static dashboard, /config.json, and /api, /ws, /sse proxied. */
  url: string;
  token: string;
  /** Direct URL of the dish service's API (the test's own writes skip the proxy). */
  api: string;
  restart(name: 'ws-gateway' | 'sse-gateway'): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

/** `gatewayEnv` configures both gateways beyond Redis (for example a subscription key that refuses the page). */
export async function startStack(redis: { url: string; prefix: string }, pollIntervalMs = 250, gatewayEnv: Record<string, string> = {}): Promise<Stack> {
  const token = `browser-test-${Math.random().toString(36).slice(2)}`;
  const env = { REDIS_URL: redis.url, KEY_PREFIX: redis.prefix };
  const started: ServiceProcess[] = [];
  try {
    const dish = await startReady('dish', { ...env, DISH_API_TOKENS: token, SIM_RATE: '0' });
    started.push(dish);
    // The gateways share two cores with everything else: one after the other keeps start-up within its bounds.
    const ws = await startReady('ws-gateway', { ...env, ...gatewayEnv });
    started.push(ws);
    const sse = await startReady('sse-gateway', { ...env, ...gatewayEnv });
    started.push(sse);
    const webPort = await freePort();
    const local = (port: number) => ({ host: '127.0.0.1', port });
    const web = await startLocalWeb({
      port: webPort,
      host: '127.0.0.1',
      webRoot: `${root}web/dist`,
      api: local(dish.port),
      ws: local(ws.port),
      sse: local(sse.port),
      config: { apiBase: '/api', wsUrl: '/ws', sseUrl: '/sse', writeTokenRequired: true, pollIntervalMs },
    });
    // Every socket, upgraded ones included (closeAllConnections knows only HTTP's), so stop() never waits on a page's.
    const sockets = new Set<Socket>();
    web.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    const stack: Stack = {
      dish,
      ws,
      sse,
      web,
      url: `http://127.0.0.1:${webPort}`,
      token,
      api: `http://127.0.0.1:${dish.port}/api`,
      async restart(name) {
        const key = name === 'ws-gateway' ? 'ws' : 'sse';
        await stack[key].stop();
        // Same port: the proxy in front knows only that one, as nginx would know a fixed upstream.
        stack[key] = await startReady(name, { ...env, ...gatewayEnv }, stack[key].port);
        return stack[key];
      },
      async stop() {
        await new Promise<void>((resolve) => {
          web.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        });
        await Promise.all([stack.ws.stop(), stack.sse.stop()]);
        await dish.stop();
      },
    };
    return stack;
  } catch (err) {
    await Promise.all(started.map((s) => s.stop()));
    throw err;
  }
}

/** A test's own write through the dish API with the stack's token (skipping the proxy); its JSON answer, none for 204. */
export async function write(stack: Stack, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${stack.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

export interface BrowserSuite {
  readonly stack: Stack;
  readonly browser: Browser;
  /** The event log of the stack's Redis, for the test's own reads and writes. */
  readonly log: EventLog;
}

/**
 * What a browser test file runs against: the stack, a Chromium (unless `browser: false`) and the stack's event log,
 * started before its tests and stopped after them.
 */
export function browserSuite(redisInfo: TestRedis, options: { browser?: boolean } = {}): BrowserSuite {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  let redis: Redis | undefined;
  let log: EventLog | undefined;
  beforeAll(async () => {
    await ensureWebBuild();
    stack = await startStack(redisInfo);
    if (options.browser !== false) browser = await launchChromium();
    redis = new Redis(redisInfo.url, { maxRetriesPerRequest: 2 });
    log = new EventLog(redis, { prefix: redisInfo.prefix });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    redis?.disconnect();
  }, 60_000);
  return {
    get stack() {
      return stack!;
    },
    get browser() {
      return browser!;
    },
    get log() {
      return log!;
    },
  };
}
