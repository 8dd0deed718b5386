// The servers under test: Dish Live's two gateways (built services, started as a user would) and the peer servers.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brokerKeys } from '@dish-live/broker';
import { freePort } from '@dish-live/local-redis';
import { INSPECT_FLAG, waitForHttp, waitForOutput, type SupervisedProcess } from '@dish-live/test-support';
import { profileFlags } from './profile.js';
import type { ClientKind } from './loadgen/ipc.js';
import { start } from './processes.js';

export const SERVER_NAMES = ['ws-gateway', 'sse-gateway', 'socketio', 'ws', 'uws-raw', 'express-sse', 'http-sse-raw'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

export interface ServerDef {
  name: ServerName;
  description: string;
  client: ClientKind;
  path: string;
  /** Dish Live's own gateway: fed through the broker, served by the built service. */
  dishLive: boolean;
  /** The built entry point (gateways) or the peer's source file. */
  entry: string;
}

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

export const SERVERS: Record<ServerName, ServerDef> = {
  'ws-gateway': { name: 'ws-gateway', description: 'Dish Live ws-gateway (uWebSockets.js + fanout)', client: 'ws', path: '/ws', dishLive: true, entry: root('services/ws-gateway/dist/main.js') },
  'sse-gateway': { name: 'sse-gateway', description: 'Dish Live sse-gateway (express + fanout)', client: 'sse', path: '/sse', dishLive: true, entry: root('services/sse-gateway/dist/main.js') },
  socketio: { name: 'socketio', description: 'Socket.IO 4 + @socket.io/redis-adapter', client: 'socketio', path: '/socket.io/', dishLive: false, entry: root('bench/peers/socketio.ts') },
  ws: { name: 'ws', description: 'ws 8, loop over clients', client: 'ws', path: '/ws', dishLive: false, entry: root('bench/peers/ws.ts') },
  'uws-raw': { name: 'uws-raw', description: 'raw uWebSockets.js app.publish (ceiling)', client: 'ws', path: '/ws', dishLive: false, entry: root('bench/peers/uws-raw.ts') },
  'express-sse': { name: 'express-sse', description: 'naive express SSE (serialize per client)', client: 'sse', path: '/sse', dishLive: false, entry: root('bench/peers/express-sse.ts') },
  'http-sse-raw': { name: 'http-sse-raw', description: 'raw node:http SSE, one frame per message (ceiling)', client: 'sse', path: '/sse', dishLive: false, entry: root('bench/peers/http-sse-raw.ts') },
};

export const DISH_SERVICE_ENTRY = root('services/dish/dist/main.js');

/** Why a server cannot run here (a gateway not built yet), or undefined. */
export function unavailable(def: ServerDef): string | undefined {
  if (!existsSync(def.entry)) return `${def.entry} missing (build with: npx tsc -b tsconfig.build.json)`;
  return undefined;
}

export interface RunningServer {
  def: ServerDef;
  port: number;
  process: SupervisedProcess;
}

export interface ServerContext {
  redisUrl: string;
  /** Key prefix of the Dish Live log; the peers subscribe to the same channel the broker publishes on. */
  prefix: string;
  core: number | undefined;
  /** A directory where the server writes V8 CPU profiles (`--cpu-prof`) when it stops; none when undefined. */
  profile?: string;
  /** Open the inspector on a free loopback port, so the bench can make the server collect garbage. */
  inspect?: boolean;
  /** Settings of a Dish Live gateway for this run (the restaurants scenario's grace period and memory budget). */
  env?: NodeJS.ProcessEnv;
  /** Listen on this port rather than a free one (the churn scenario restarts a killed server where it was). */
  port?: number;
}

/**
 * The Dish Live services' common environment: quiet logs, loopback only. Every bench client comes from 127.0.0.1,
 * so the per-address connection limit (1,000 by default) is lifted to what the memory scenario opens.
 */
export function serviceEnv(ctx: ServerContext, port: number): NodeJS.ProcessEnv {
  return {
    PORT: String(port), HOST: '127.0.0.1', REDIS_URL: ctx.redisUrl, KEY_PREFIX: ctx.prefix, LOG_LEVEL: 'warn', NODE_ENV: 'production',
    MAX_CONNECTIONS_PER_IP: '20000',
  };
}

export async function startServer(def: ServerDef, ctx: ServerContext): Promise<RunningServer> {
  const port = ctx.port ?? (await freePort());
  const nodeFlags = [...profileFlags(ctx.profile), ...(ctx.inspect ? [INSPECT_FLAG] : [])];
  if (def.dishLive) {
    const process = start({ name: def.name, core: ctx.core, command: 'node', args: [...nodeFlags, def.entry], env: { ...serviceEnv(ctx, port), ...ctx.env } });
    await waitForHttp(process, `http://127.0.0.1:${port}/readyz`, 20_000);
    return { def, port, process };
  }
  const process = start({
    name: def.name,
    core: ctx.core,
    command: 'node',
    args: [...nodeFlags, '--import', 'tsx', def.entry],
    env: { PORT: String(port), REDIS_URL: ctx.redisUrl, CHANNEL: brokerKeys(ctx.prefix).channel, KEY_PREFIX: ctx.prefix, NODE_ENV: 'production' },
  });
  await waitForReadyLine(process);
  return { def, port, process };
}

/** `env` overrides the defaults here (no menu seeded, simulator off). */
export async function startDishService(ctx: ServerContext, token: string, env: NodeJS.ProcessEnv = {}): Promise<{ port: number; process: SupervisedProcess }> {
  const port = await freePort();
  const process = start({
    name: 'dish',
    core: ctx.core,
    command: 'node',
    args: [...profileFlags(ctx.profile), DISH_SERVICE_ENTRY],
    env: { ...serviceEnv(ctx, port), DISH_API_TOKENS: token, SEED_MENU: 'false', SIM_RATE: '0', ...env },
  });
  await waitForHttp(process, `http://127.0.0.1:${port}/readyz`, 20_000);
  return { port, process };
}

/** The reads scenario's baseline peer: `routes` maps each path it serves to the key holding that path's body. */
export async function startReadsPeer(ctx: ServerContext, routes: Record<string, string>): Promise<{ port: number; process: SupervisedProcess }> {
  const port = await freePort();
  const process = start({
    name: 'reads-bare',
    core: ctx.core,
    command: 'node',
    args: ['--import', 'tsx', root('bench/peers/reads-bare.ts')],
    env: { PORT: String(port), REDIS_URL: ctx.redisUrl, ROUTES: JSON.stringify(routes), NODE_ENV: 'production' },
  });
  await waitForReadyLine(process);
  return { port, process };
}

/** The writes scenario's baseline peer: PATCH /api/dishes/:id as one MULTI of HSET + XADD + SPUBLISH. */
export async function startWritesPeer(ctx: ServerContext, keyPrefix: string): Promise<{ port: number; process: SupervisedProcess }> {
  const port = await freePort();
  const process = start({
    name: 'bare-writes',
    core: ctx.core,
    command: 'node',
    args: [...profileFlags(ctx.profile), '--import', 'tsx', root('bench/peers/bare-writes.ts')],
    env: { PORT: String(port), REDIS_URL: ctx.redisUrl, CHANNEL: brokerKeys(keyPrefix).channel, KEY_PREFIX: keyPrefix, NODE_ENV: 'production' },
  });
  await waitForReadyLine(process);
  return { port, process };
}

/** A peer prints `ready <name>` once it listens and is subscribed (bench/peers/peer-env.ts). */
function waitForReadyLine(p: SupervisedProcess): Promise<true> {
  return waitForOutput(p, 'the line saying it is ready', (output) => /^ready /m.test(output) || undefined, 20_000);
}
