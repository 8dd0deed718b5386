// What every test file shares: the run's Redis and a key prefix of its own, so files run in parallel; and, for the tests
// that cross services, bounded waits and the services as real processes.
export { testRedis, type TestRedis } from './redis.js';
export { waitFor } from './wait.js';
export { failedStart, killAllStarted, startService, type Exit, type ServiceName, type ServiceProcess, type StartOptions } from './service-process.js';
