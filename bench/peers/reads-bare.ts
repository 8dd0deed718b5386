// Peer (read baseline): express 5 + ioredis doing the least a read route can do — one GET of a key holding the
// exact response body, sent as it is. ROUTES maps each path to its key, e.g. {"/api/dishes":"bench:reads:dishes"}.
import express from 'express';
import { Redis } from 'ioredis';
import { peerEnv, ready } from './peer-env.js';

const env = peerEnv();
const routes = JSON.parse(process.env.ROUTES ?? '{}') as Record<string, string>;
const redis = new Redis(env.redisUrl);
const app = express();
for (const [path, key] of Object.entries(routes)) {
  app.get(path, async (_req, res) => {
    const body = await redis.getBuffer(key);
    // A missing body is the bench's mistake; an error status makes the run say so instead of measuring a 200 of nothing.
    if (body === null) res.status(500).end();
    else res.type('application/json').send(body);
  });
}
const server = app.listen(env.port, '127.0.0.1', () =>
  ready('reads-bare', () => {
    redis.disconnect();
    server.close();
  }),
);
