// What every peer server shares: its configuration (PORT, REDIS_URL, CHANNEL), the ready line and shutdown.
// Peers read the channel as the gateways do: a sharded subscription (SSUBSCRIBE) to what the broker SPUBLISHes.
import { Redis } from 'ioredis';

export interface PeerEnv {
  port: number;
  redisUrl: string;
  channel: string;
}

export function peerEnv(env: NodeJS.ProcessEnv = process.env): PeerEnv {
  const port = Number(env.PORT ?? '0');
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new Error('PORT: expected a port number');
  return { port, redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379', channel: env.CHANNEL ?? '{r:default}:dish:events' };
}

/** One subscriber connection to the channel, handing on each message as the bytes Redis sent. */
export async function subscribe(env: PeerEnv, onMessage: (message: Buffer) => void): Promise<Redis> {
  const subscriber = new Redis(env.redisUrl, { lazyConnect: true });
  await subscriber.connect();
  subscriber.on('smessageBuffer', (_channel: Buffer, message: Buffer) => onMessage(message));
  await subscriber.ssubscribe(env.channel);
  return subscriber;
}

/**
 * Tells the bench the peer is listening and subscribed, and stops on SIGTERM or when the bench's end of stdin
 * closes, so a peer never outlives the run that started it.
 */
export function ready(name: string, stop: () => void): void {
  process.stdout.write(`ready ${name}\n`);
  const exit = () => {
    stop();
    process.exit(0);
  };
  process.once('SIGTERM', exit);
  process.once('SIGINT', exit);
  process.stdin.on('close', exit);
  process.stdin.resume();
}
