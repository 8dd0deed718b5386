// Peer: Socket.IO 4 with the Redis adapter, re-emitting every message of the channel to every client.
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { peerEnv, ready, subscribe } from './peer-env.js';

const env = peerEnv();
// The adapter's own pub/sub pair, as a multi-node Socket.IO deployment runs it: every broadcast also goes to Redis.
const pub = new Redis(env.redisUrl);
const sub = pub.duplicate();
const http = createServer();
const io = new Server(http, { transports: ['websocket'], adapter: createAdapter(pub, sub) });
const subscriber = await subscribe(env, (message) => {
  const event = JSON.parse(message.toString()) as { type: string };
  io.emit(event.type, event);
});
http.listen(env.port, '127.0.0.1', () =>
  ready('socketio', () => {
    subscriber.disconnect();
    pub.disconnect();
    sub.disconnect();
    void io.close();
  }),
);
