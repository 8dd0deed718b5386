// A Redis of a test's own that can be stopped and started again on the same port with the same data: an outage and a
// recovery, as when Redis restarts in production.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnRedisServer, type RedisServerProcess } from '@dish-live/local-redis';

/** Its data (the append-only file) lives in a folder of its own, kept across stop() and start(). */
export class RestartableRedis {
  #server: RedisServerProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<RestartableRedis> {
    const redis = new RestartableRedis(await freePort(), mkdtempSync(join(tmpdir(), 'dish-live-test-redis-')));
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#server !== undefined;
  }

  async start(): Promise<void> {
    if (this.#server) throw new Error('this Redis already runs');
    this.#server = await spawnRedisServer({ port: this.port, dir: this.dir });
  }

  /** SIGTERM: Redis writes its append-only file out and exits, as in an orderly restart. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    await server?.stop();
  }

  /** Stops it if it runs and removes its data. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
