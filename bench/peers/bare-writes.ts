// Peer (write baseline): express 5 + ioredis doing the least a dish write can do — one MULTI of HSET (the dish's
// fields) + XADD (the event, stream capped as the broker caps it) + SPUBLISH (the restaurant's channel, as the
// broker's Lua publishes) per PATCH; no token, no validation, no rate limit, no version check.
import express from 'express';
import { Redis } from 'ioredis';
import { peerEnv, ready } from './peer-env.js';

const env = peerEnv();
/** Key prefix of its own, so the bare handler's dishes and stream never mix with the dish service's. */
const prefix = process.env.KEY_PREFIX ?? 'bench:bare-writes:';
const maxLen = process.env.STREAM_MAXLEN ?? '100000';
const redis = new Redis(env.redisUrl);
const app = express();
app.patch('/api/dishes/:id', express.json(), async (req, res) => {
  const id = req.params.id;
  const patch = (req.body ?? {}) as Record<string, unknown>;
  const fields = Object.entries(patch).flatMap(([k, v]) => [k, String(v)]);
  const data = JSON.stringify({ id, ...patch });
  const reply = await redis
    .multi()
    .hset(`${prefix}dish:${id}`, ...fields)
    .xadd(`${prefix}dish:events`, 'MAXLEN', '~', maxLen, '*', 'type', 'update', 'data', data)
    .call('SPUBLISH', env.channel, data)
    .exec();
  const failed = reply?.find(([err]) => err);
  if (!reply || failed) res.status(500).end();
  else res.type('application/json').send(data);
});
const server = app.listen(env.port, '127.0.0.1', () =>
  ready('bare-writes', () => {
    redis.disconnect();
    server.close();
  }),
);
