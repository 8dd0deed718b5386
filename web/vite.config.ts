// Vite build of the dashboard: workspace packages resolved from source, and a dev server that stands in for nginx.
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const fromRoot = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

const env = process.env;
const target = (variable: string, fallback: string) => env[variable] ?? fallback;

/** In production nginx (or `npm start`) serves /config.json; the dev server answers it the same way. */
function devRuntimeConfig(): Plugin {
  return {
    name: 'dish-live-dev-config',
    configureServer(server) {
      server.middlewares.use('/config.json', (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.setHeader('cache-control', 'no-store');
        res.end(
          JSON.stringify({
            apiBase: '/api',
            wsUrl: '/ws',
            sseUrl: '/sse',
            writeTokenRequired: true,
            pollIntervalMs: Number(env.POLL_INTERVAL_MS ?? 1000),
          }),
        );
      });
    },
  };
}

export default defineConfig({
  plugins: [vue(), devRuntimeConfig()],
  resolve: {
    alias: {
      '@dish-live/client': fromRoot('packages/client/src/index.ts'),
      // More specific first: vite matches aliases by prefix.
      '@dish-live/protocol/wire': fromRoot('packages/protocol/src/wire.ts'),
      '@dish-live/protocol': fromRoot('packages/protocol/src/index.ts'),
      // Only the alert rules: the rest of the package is for Node (crypto, DNS, Redis).
      '@dish-live/webhooks/rules': fromRoot('packages/webhooks/src/alert-rules.ts'),
    },
  },
  build: {
    target: 'es2022',
    // echarts (tree-shaken) dominates the bundle; the warning's default limit is below it by design.
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      // The alert rules build their zod schema when loaded; the page uses only alertsFor, and no validation library
      // may ride along in the bundle (tests/browser/audits.test.ts). 'z' also covers its members (z.enum): an unused
      // schema is dropped, and zod with it. Only the alert rules call zod in the page.
      treeshake: { manualPureFunctions: ['z'] },
    },
  },
  server: {
    proxy: {
      '/api': target('DISH_API_URL', 'http://localhost:3000'),
      '/ws': { target: target('WS_GATEWAY_URL', 'ws://localhost:8081'), ws: true },
      '/sse': target('SSE_GATEWAY_URL', 'http://localhost:8082'),
    },
  },
});
