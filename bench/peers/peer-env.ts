// What every peer server shares: its configuration (PORT, REDIS_URL, CHANNEL, KEY_PREFIX), the ready line and
// shutdown. Peers read the channel as the gateways do: a sharded subscription (SSUBSCRIBE) to what the broker
// SPUBLISHes.
import { Redis } from 'ioredis';
import { brokerKeys } from '@dish-live/broker';
import { restaurantIdSchema } from '@dish-live/protocol';

export interface PeerEnv {
  port: number;
  redisUrl: string;
  /** The default restaurant's channel, served on the peer's bare path. */
  channel: string;
  /** Key prefix of the log, for the channels of other restaurants (`/ws/{rid}`, `/sse/{rid}`). */
  prefix: string;
}

export function peerEnv(env: NodeJS.ProcessEnv = process.env): PeerEnv {
  const port = Number(env.PORT ?? '0');
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new Error('PORT: expected a port number');
  const prefix = env.KEY_PREFIX ?? '';
  return { port, redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379', channel: env.CHANNEL ?? brokerKeys(prefix).channel, prefix };
}

/** One subscriber connection to the channel, handing on each message (and its channel) as the bytes Redis sent. */
export async function subscribe(env: PeerEnv, onMessage: (message: Buffer, channel: Buffer) => void): Promise<Redis> {
  const subscriber = new Redis(env.redisUrl, { lazyConnect: true });
  await subscriber.connect();
  subscriber.on('smessageBuffer', (channel: Buffer, message: Buffer) => onMessage(message, channel));
  await subscriber.ssubscribe(env.channel);
  return subscriber;
}

/**
 * The channels of restaurants other than the default, on the same subscriber: a restaurant's channel is subscribed
 * when its first client arrives, and the promise resolves once Redis confirmed it, so a client admitted after it
 * misses nothing. Never released: a raw peer keeps no grace period nor memory budget. Undefined for an id the
 * gateways would refuse.
 */
export function restaurantChannels(subscriber: Redis, env: PeerEnv): (rid: string) => Promise<string> | undefined {
  const subscribed = new Map<string, Promise<string>>();
  return (rid) => {
    if (!restaurantIdSchema.safeParse(rid).success) return undefined;
    let channel = subscribed.get(rid);
    if (!channel) {
      const name = brokerKeys(env.prefix, rid).channel;
      channel = subscriber.ssubscribe(name).then(
        () => name,
        (err: unknown) => {
          subscribed.delete(rid);
          throw err;
        },
      );
      subscribed.set(rid, channel);
    }
    return channel;
  };
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
