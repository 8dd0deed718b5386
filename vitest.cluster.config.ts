// The cluster pass: the first wave's delivery and resume tests once more, on a Redis Cluster instead of one Redis
// (issue 14), with the services given REDIS_CLUSTER_NODES and WRITE_MIN_REPLICAS=1; tests/support's testRedis() tells
// each test file which Redis it got.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['tests/delivery/**/*.test.ts', 'tests/resume/**/*.test.ts'],
    globalSetup: ['./vitest.cluster.global-setup.ts'],
  },
});
