// One fan-out server with its clients connected and warmed up, fed through the broker: what the cost and ceiling scenarios measure steps on.
import type { Redis } from 'ioredis';
import { Publisher } from '../publisher.js';
import { startServer, type RunningServer, type ServerDef } from '../servers.js';
import { connectRedis, drain, type Context } from './context.js';
import { exited } from './fanout.js';

export interface Session {
  server: RunningServer;
  publisher: Publisher;
  pid: number;
  group: string;
  /** The server exited on its own. */
  exited(): boolean;
  /** Deliveries still owed after up to `ms` (late is not lost until then). */
  finalDrain(ms: number): Promise<number>;
  close(): Promise<void>;
}

/** `onStarted` runs before any client connects (the ceiling scenario moves the server into its CPU budget there). */
export async function openSession(
  ctx: Context, def: ServerDef, label: string, clients: number, warmRate: number, onStarted: (pid: number) => void = () => {},
): Promise<Session> {
  const group = label;
  const redis: Redis = connectRedis(ctx.redisUrl);
  let server: RunningServer | undefined;
  const close = async () => {
    await ctx.loadgen.closeAll();
    await server?.process.stop();
    redis.disconnect();
  };
  try {
    // The bench dish exists before a gateway starts, so it is in the gateway's snapshot.
    const prefix = ctx.prefix(`${label}-${def.name}`);
    const publisher = await Publisher.broker(redis, prefix);
    server = await startServer(def, { redisUrl: ctx.redisUrl, prefix, core: ctx.options.serverCore });
    const running = server;
    onStarted(running.process.pid);
    const c = await ctx.loadgen.connect(def.client, running.port, def.path, clients, group);
    if (c.failed > 0) throw new Error(`${c.failed} of ${clients} clients could not connect: ${c.firstError}`);
    // Warm-up: every client gets its first sequence number before anything is measured.
    await publisher.run(warmRate, 500);
    await drain(ctx, group, publisher.lastSeq, 5000);
    return {
      server: running, publisher, pid: running.process.pid, group,
      exited: () => exited(running),
      finalDrain: async (ms) => (await drain(ctx, group, publisher.lastSeq, ms))?.behind ?? 0,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
