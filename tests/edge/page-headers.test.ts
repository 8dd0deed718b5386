// nginx (deploy/nginx/content-security-policy.sh, run by the web image's entrypoint) and `npm start`
// (scripts/page-headers.ts) build one Content-Security-Policy from one runtime config.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, type PageEndpoints } from '../../scripts/page-headers.js';

const script = fileURLToPath(new URL('../../deploy/nginx/content-security-policy.sh', import.meta.url));

function nginxPolicy(e: PageEndpoints): string {
  return execFileSync('sh', [script], { env: { PATH: process.env.PATH ?? '', CONFIG_API_BASE: e.apiBase, CONFIG_WS_URL: e.wsUrl, CONFIG_SSE_URL: e.sseUrl }, encoding: 'utf8' });
}

describe('the page Content-Security-Policy', () => {
  const configs: PageEndpoints[] = [
    { apiBase: '/api', wsUrl: '/ws', sseUrl: '/sse' },
    { apiBase: 'https://API.example.com:443/api', wsUrl: 'wss://push.example.com:8443/ws', sseUrl: '/sse' },
    { apiBase: 'http://10.1.2.3:80/api?x=1', wsUrl: 'ws://10.1.2.3/ws', sseUrl: 'http://10.1.2.3/sse#frag' },
  ];

  it('allows connections to this origin alone when every endpoint is a path', () => {
    expect(contentSecurityPolicy(configs[0]!)).toContain("; connect-src 'self'; ");
  });

  it('adds each absolute endpoint origin once, without default ports', () => {
    expect(contentSecurityPolicy(configs[1]!)).toContain("; connect-src 'self' https://api.example.com wss://push.example.com:8443; ");
    expect(contentSecurityPolicy(configs[2]!)).toContain("; connect-src 'self' http://10.1.2.3 ws://10.1.2.3; ");
  });

  it('is the same from the nginx entrypoint as from npm start', () => {
    for (const config of configs) expect(nginxPolicy(config), JSON.stringify(config)).toBe(contentSecurityPolicy(config));
  });
});
