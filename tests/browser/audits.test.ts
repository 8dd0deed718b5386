// The dashboard as tools nobody on the project wrote see it: axe-core, the bundle's first JavaScript,
// the static files a browser asks for by itself, and the Content-Security-Policy the servers send (Lighthouse:
// lighthouse.test.ts, run alone).
import { readdirSync, readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { testRedis, waitFor } from '@dish-live/test-support';
import { DEMO_MENU } from '../../services/dish/src/menu.js';
import { blocking, runAxe } from './axe.js';
import { firstJs } from './first-js.js';
import { chromiumSkipReason } from './chromium.js';
import { paintedPixels, waitLive } from './page-probes.js';
import { browserSuite, root, type Stack, write } from './stack.js';

const skip = chromiumSkipReason();
if (skip) console.warn(`[browser] ${skip}`);

describe.skipIf(skip !== undefined)('the dashboard, audited', () => {
  const suite = browserSuite(testRedis('audits'));
  let stack: Stack;
  let browser: Browser;
  beforeAll(async () => {
    ({ stack, browser } = suite);
    // A sale, so the line chart has a line and the audits see the page as it is used.
    await write(stack, 'POST', '/orders', { items: [{ dishId: 'mapo-tofu', qty: 2 }] });
  });

  async function openDashboard(options: { locale: 'en-US' | 'zh-CN'; colorScheme: 'light' | 'dark' }): Promise<Page> {
    // bypassCSP: the page's policy would refuse the axe script the test injects (the policy itself is tested below).
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, bypassCSP: true, ...options });
    const page = await context.newPage();
    await page.goto(`${stack.url}/?transport=ws`);
    await waitLive(page);
    await page.locator('[data-testid="dish-count"]', { hasText: String(DEMO_MENU.length) }).waitFor();
    await waitFor('the line chart drawn', () => paintedPixels(page, 'sales-chart').then((n) => (n > 2000 ? n : undefined)));
    return page;
  }

  it('needs at most 150 KB of gzipped JavaScript before it runs; the line chart loads apart', () => {
    const first = firstJs(`${root}web/dist`);
    console.log(`[browser] first JavaScript: ${first.files.map((f) => `${f.path} ${(f.gzipBytes / 1024).toFixed(1)} KB gzipped (${(f.bytes / 1024).toFixed(1)} KB)`).join(', ')}`);
    expect(first.gzipBytes).toBeLessThanOrEqual(150 * 1024);
    // ECharts is not among them: it arrives with the chart, after the page is up.
    for (const f of first.files) expect(f.path).not.toMatch(/SalesCanvas|echarts/i);
    // No validation library rides along anywhere in the bundle: the client reads the wire with cheap checks.
    for (const file of readdirSync(`${root}web/dist/assets`)) expect(readFileSync(`${root}web/dist/assets/${file}`, 'utf8'), file).not.toMatch(/ZodError/);
  });

  it('answers robots.txt and favicon.ico with themselves, not with the page', async () => {
    const robots = await fetch(`${stack.url}/robots.txt`);
    expect(robots.status).toBe(200);
    expect(await robots.text()).toMatch(/^User-agent: \*$/m);
    const icon = Buffer.from(await (await fetch(`${stack.url}/favicon.ico`)).arrayBuffer());
    // ICONDIR: reserved 0, type 1 (icon).
    expect([...icon.subarray(0, 4)]).toEqual([0, 0, 1, 0]);
    const svg = await (await fetch(`${stack.url}/favicon.svg`)).text();
    expect(svg).toMatch(/^<svg /);
  });

  it('has no serious or critical axe-core violation: light and dark, English and Chinese, admin drawer closed and open', async () => {
    const counts: string[] = [];
    const found: string[] = [];
    for (const colorScheme of ['light', 'dark'] as const) {
      for (const locale of ['en-US', 'zh-CN'] as const) {
        const page = await openDashboard({ locale, colorScheme });
        for (const drawer of ['closed', 'open'] as const) {
          if (drawer === 'open') {
            await page.getByTestId('admin-open').click();
            await page.getByTestId('admin-drawer').waitFor();
          }
          const violations = await runAxe(page);
          const bad = blocking(violations);
          const ids = violations.map((v) => `${v.id} (${v.impact})`).join(', ');
          counts.push(`${colorScheme}/${locale}/drawer ${drawer}: ${violations.length}${ids ? ` [${ids}]` : ''}, ${bad.length} serious or critical`);
          for (const v of bad) found.push(`${colorScheme}/${locale}/drawer ${drawer}: ${v.impact} ${v.id} (${v.help}) at ${v.targets.join(' | ')}`);
        }
        await page.context().close();
      }
    }
    console.log(`[browser] axe-core violations: ${counts.join('; ')}`);
    expect(found).toEqual([]);
  }, 120_000);

  it('runs under the Content-Security-Policy the servers send, without a violation', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      const seen: string[] = ((window as unknown as { __cspViolations: string[] }).__cspViolations = []);
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const logged: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) logged.push(m.text());
    });
    const response = await page.goto(`${stack.url}/?transport=ws`);
    // Without the header this test would prove nothing: the local server (like nginx) sends it with the page.
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    await waitLive(page);
    await waitFor('the line chart drawn under the CSP', () => paintedPixels(page, 'sales-chart').then((n) => (n > 2000 ? n : undefined)));
    await expect(page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations)).resolves.toEqual([]);
    expect(logged).toEqual([]);
    await context.close();
  });
});
