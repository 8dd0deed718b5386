// Provides one real Redis for the whole test run: REDIS_URL, else testcontainers when Docker answers, else a redis-server child.
import type { TestProject } from 'vitest/node';
import { isRedisReachable, spawnRedisServer } from '@dish-live/local-redis';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

async function dockerAnswers(): Promise<boolean> {
  if (process.env.DISH_TEST_NO_DOCKER === '1') return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    if (!(await isRedisReachable(fromEnv, 2000))) throw new Error(`REDIS_URL=${fromEnv} does not answer PING`);
    project.provide('redisUrl', fromEnv);
    console.log(`[tests] Redis: REDIS_URL ${fromEnv}`);
    return async () => {};
  }
  if (await dockerAnswers()) {
    const { GenericContainer, Wait } = await import('testcontainers');
    const image = process.env.DISH_TEST_REDIS_IMAGE ?? 'redis:7.2-bookworm';
    try {
      const container = await new GenericContainer(image)
        .withExposedPorts(6379)
        .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
        .start();
      const url = `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
      project.provide('redisUrl', url);
      console.log(`[tests] Redis: testcontainers ${image} at ${url}`);
      return async () => {
        await container.stop();
      };
    } catch (err) {
      console.log(`[tests] Docker answers but ${image} did not start (${(err as Error).message}); using redis-server`);
    }
  }
  const server = await spawnRedisServer();
  project.provide('redisUrl', server.url);
  console.log(`[tests] Redis: redis-server child pid ${server.pid} at ${server.url}`);
  return () => server.stop();
}
