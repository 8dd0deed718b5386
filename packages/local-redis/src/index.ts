// Finds a Redis for local runs and tests: a reachable REDIS_URL, or a private redis-server child process.
export { spawnRedisServer, type RedisServerProcess } from './redis-server.js';
export { isRedisReachable } from './reachable.js';
export { freePort } from './free-port.js';
