// What every test file shares: the run's Redis and a key prefix of its own, so files run in parallel.
export { testRedis, type TestRedis } from './redis.js';
