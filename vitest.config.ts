// Test runner configuration: every workspace's tests in one run, against one real Redis per run.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}/src/index.ts`, import.meta.url));

export const LIGHTHOUSE_TEST = 'tests/browser/lighthouse.test.ts';
/**
 * The tests that build images and run whole stacks in Docker (compose, the cluster override, Swarm, the observability
 * profile): each loads both cores for minutes, so they run after the others, one at a time (vitest.docker.config.ts),
 * rather than beside the browser and timing tests whose figures they would spoil.
 */
export const DOCKER_TESTS = ['tests/compose/**/*.test.ts', 'tests/deploy/swarm.test.ts', 'tests/deploy/observability.test.ts'];

export default defineConfig({
  resolve: {
    alias: {
      // More specific first: vite matches aliases by prefix.
      '@dish-live/client/node': fileURLToPath(new URL('./packages/client/src/node.ts', import.meta.url)),
      '@dish-live/protocol/wire': fileURLToPath(new URL('./packages/protocol/src/wire.ts', import.meta.url)),
      '@dish-live/protocol': src('protocol'),
      '@dish-live/broker': src('broker'),
      '@dish-live/local-redis': src('local-redis'),
      '@dish-live/server': src('server'),
      '@dish-live/fanout': src('fanout'),
      '@dish-live/client': src('client'),
      '@dish-live/webhooks/rules': fileURLToPath(new URL('./packages/webhooks/src/alert-rules.ts', import.meta.url)),
      '@dish-live/webhooks': src('webhooks'),
      '@dish-live/test-support': fileURLToPath(new URL('./tests/support/index.ts', import.meta.url)),
    },
  },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'services/*/src/**/*.test.ts',
      'web/src/**/*.test.ts',
      'bench/src/**/*.test.ts',
      'tests/**/*.test.ts',
    ],
    // Lighthouse scores the main thread's observed work: it runs alone afterwards (vitest.lighthouse.config.ts).
    exclude: ['**/node_modules/**', '**/dist/**', LIGHTHOUSE_TEST, ...DOCKER_TESTS],
    globalSetup: ['./vitest.global-setup.ts'],
    // The reliability report (faults, losses, bad inputs, RSS per connection) is printed after the run.
    reporters: ['default', './tests/support/figures-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
