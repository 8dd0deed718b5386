// The proof on the glass: the status bar's count of verified events grows with real events from the real stack, and a
// message really lost on the way (a lossy hop between the page and the real services, in this test) is found by the
// page by itself, said plainly in the status bar, and mended: the table ends equal to the dish service's state.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { Dish } from '@dish-live/protocol';
import { freePort } from '@dish-live/local-redis';
import { testRedis, waitFor } from '@dish-live/test-support';
import { startLocalWeb } from '../../scripts/local-web.js';
import { DEMO_MENU } from '../../services/dish/src/menu.js';
import { blocking, runAxe } from './axe.js';
import { chromiumSkipReason } from './chromium.js';
import { waitLive } from './page-probes.js';
import { browserSuite, root, type Stack, write } from './stack.js';

const skip = chromiumSkipReason();
if (skip) console.warn(`[browser] ${skip}`);

interface Lossy {
  port: number;
  /** Loses the next message that `matches` (once), then passes everything again. */
  arm(matches: (text: string) => string | undefined): void;
  /** What was lost, once it was. */
  lost: string | undefined;
  close(): Promise<void>;
}

/** A WebSocket hop in front of the real gateway that can lose one message on the way to the page. */
async function lossyWebSocket(gatewayPort: number): Promise<Lossy> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const lossy: Lossy = { port: (wss.address() as AddressInfo).port, arm: (m) => (drop = m), lost: undefined, close: async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  } };
  let drop: ((text: string) => string | undefined) | undefined;
  wss.on('connection', (page, req) => {
    // The page's Origin and Host as they came: the gateway admits its own origin only.
    const headers = Object.fromEntries(Object.entries({ origin: req.headers.origin, host: req.headers.host }).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const upstream = new WebSocket(`ws://127.0.0.1:${gatewayPort}${req.url ?? '/ws'}`, { headers });
    upstream.on('message', (data, binary) => {
      const why = !binary && drop ? drop((data as Buffer).toString("utf8")) : undefined;
      if (why === undefined) return page.send(data, { binary });
      drop = undefined;
      lossy.lost = why;
    });
    page.on('message', (data, binary) => upstream.readyState === WebSocket.OPEN && upstream.send(data, { binary }));
    const closeable = (code: number) => code >= 1000 && code < 5000 && code !== 1005 && code !== 1006;
    upstream.on('close', (code) => (closeable(code) ? page.close(code) : page.terminate()));
    page.on('close', () => upstream.terminate());
    upstream.on('error', () => page.terminate());
  });
  return lossy;
}

/** `/api/events` or a restaurant's `/api/restaurants/{rid}/events`: what the page polls. */
const isPoll = (url = '') => new URL(url, 'http://hop').pathname.endsWith('/events');

/** An HTTP hop in front of the dish service that can take one event out of a polling answer. */
async function lossyApi(apiPort: number): Promise<Lossy & { server: Server }> {
  let drop: ((text: string) => string | undefined) | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => ['authorization', 'content-type', 'accept'].includes(k))) as Record<string, string>;
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      fetch(`http://127.0.0.1:${apiPort}${req.url}`, { method: req.method ?? 'GET', headers, ...(body ? { body } : {}) })
        .then(async (answer) => {
          let text = await answer.text();
          const changed = answer.ok && isPoll(req.url) && drop ? drop(text) : undefined;
          if (changed !== undefined) {
            drop = undefined;
            lossy.lost = text;
            text = changed;
          }
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(text);
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const lossy = { server, port: (server.address() as AddressInfo).port, arm: (m: (text: string) => string | undefined) => (drop = m), lost: undefined as string | undefined, close: () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }) };
  return lossy;
}

describe.skipIf(skip !== undefined)('the proof in the status bar', () => {
  const suite = browserSuite(testRedis('proof-page'));
  let stack: Stack;
  let browser: Browser;
  let lossyWs: Lossy;
  let lossyPoll: Lossy;
  let lossyWeb: Server;
  let lossyUrl: string;
  beforeAll(async () => {
    ({ stack, browser } = suite);
    [lossyWs, lossyPoll] = await Promise.all([lossyWebSocket(stack.ws.port), lossyApi(stack.dish.port)]);
    const port = await freePort();
    const local = (p: number) => ({ host: '127.0.0.1', port: p });
    lossyWeb = await startLocalWeb({
      port, host: '127.0.0.1', webRoot: `${root}web/dist`, api: local(lossyPoll.port), ws: local(lossyWs.port), sse: local(stack.sse.port),
      config: { apiBase: '/api', wsUrl: '/ws', sseUrl: '/sse', writeTokenRequired: true, pollIntervalMs: 250 },
    });
    lossyUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => lossyWeb?.close(() => resolve()));
    lossyWeb?.closeAllConnections();
    await Promise.all([lossyWs?.close(), lossyPoll?.close()]);
  });

  async function open(url: string, locale = 'en-US'): Promise<Page> {
    // bypassCSP: the page's policy would refuse the axe script a test injects (audits.test.ts tests the policy).
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(url);
    await waitLive(page);
    await page.getByTestId('dish-table').locator('tbody tr[data-dish-id]').first().waitFor();
    return page;
  }
  /** Waits for the status bar to say a resync recovered; failing, says what the page and the lossy hop saw. */
  async function recovered(page: Page, lossy: Lossy): Promise<void> {
    try {
      await page.locator('[data-testid="status-resync"][data-recovered="true"]').waitFor({ timeout: 15_000 });
    } catch (err) {
      const bar = await page.evaluate(() => document.querySelector('.status-bar')?.textContent ?? '');
      throw new Error(`no recovered resync; the status bar says: ${bar}; lost: ${lossy.lost?.slice(0, 300) ?? 'nothing'}`, { cause: err });
    }
  }
  const verified = async (page: Page) => Number(await page.getByTestId('status-proof').getAttribute('data-verified'));
  const order = (dishId: string, qty = 1) => write(stack, 'POST', '/orders', { items: [{ dishId, qty }] });

  /** The table, dish by dish, equals the dish service's own state. */
  async function tableEqualsService(page: Page): Promise<void> {
    const { dishes } = (await (await fetch(`${stack.api}/snapshot`)).json()) as { dishes: Dish[] };
    await waitFor('the table to equal the service', async () => {
      for (const d of dishes) if ((await page.getByTestId(`dish-${d.id}-sold`).textContent()) !== String(d.sold)) return false;
      return true;
    }, 10_000);
  }

  it('counts the events it verified as real events arrive, in English and in Chinese', async () => {
    const page = await open(`${stack.url}/?transport=ws`);
    const zh = await open(`${stack.url}/?transport=sse`, 'zh-CN');
    const [before, beforeZh] = await Promise.all([verified(page), verified(zh)]);
    for (let i = 0; i < 12; i++) await order(DEMO_MENU[i % DEMO_MENU.length]!.id);
    await waitFor('12 more events verified on both pages', async () => (await verified(page)) >= before + 12 && (await verified(zh)) >= beforeZh + 12, 15_000);
    await expect(page.getByTestId('status-proof').textContent()).resolves.toMatch(/^[\d,]+ events verified · 0 gaps$/);
    await expect(zh.getByTestId('status-proof').textContent()).resolves.toMatch(/^已验证 [\d,]+ 个事件 · 0 处缺口$/);
    await expect(page.getByTestId('status-resync').textContent()).resolves.toBe('');
    await page.context().close();
    await zh.context().close();
  });

  it('over WebSocket finds a lost update by its digest, resyncs by itself, says so, and ends equal to the service', async () => {
    const page = await open(`${lossyUrl}/?transport=ws`);
    // The page asks a maximum rate: its changes come as conflated `state` messages, whose digest is their proof.
    lossyWs.arm((text) => (text.includes('"type":"state"') && text.includes(`"${DEMO_MENU[0]!.id}"`) ? text : undefined));
    await order(DEMO_MENU[0]!.id, 2);
    await waitFor('the state to be lost on the way', () => lossyWs.lost, 10_000);
    await order(DEMO_MENU[1]!.id);
    const notice = page.getByTestId('status-resync');
    await recovered(page, lossyWs);
    await expect(notice.getAttribute('data-reason')).resolves.toBe('digest');
    await expect(notice.textContent()).resolves.toMatch(/^Resynchronised at \d\d:\d\d:\d\d after a state check that disagreed: recovered, full reload$/);
    await expect(notice.getAttribute('aria-live')).resolves.toBe('polite');
    await expect(page.getByTestId('status-proof').getAttribute('data-gaps')).resolves.toBe('0');
    await tableEqualsService(page);
    // The audited page stays audited with the resync on screen.
    const violations = await runAxe(page);
    expect(blocking(violations).map((v) => `${v.impact} ${v.id} at ${v.targets.join(' | ')}`)).toEqual([]);
    await page.context().close();
  });

  it('over polling finds a lost event by its broken link, resumes from the last one it verified, and ends equal to the service', async () => {
    const page = await open(`${lossyUrl}/?transport=poll`);
    // One order of two dishes: two events in one answer; the first is taken out, the second's prev names it.
    lossyPoll.arm((text) => {
      const answer = JSON.parse(text) as { recovered: boolean; events?: unknown[] };
      if (!answer.recovered || (answer.events?.length ?? 0) < 2) return undefined;
      return JSON.stringify({ ...answer, events: answer.events!.slice(1) });
    });
    await write(stack, 'POST', '/orders', { items: [{ dishId: DEMO_MENU[2]!.id, qty: 1 }, { dishId: DEMO_MENU[3]!.id, qty: 1 }] });
    await recovered(page, lossyPoll);
    expect(lossyPoll.lost).toBeDefined();
    await expect(page.getByTestId('status-resync').textContent()).resolves.toMatch(/^Resynchronised at \d\d:\d\d:\d\d after a gap in the chain of events: recovered, missed events replayed$/);
    await expect(page.getByTestId('status-proof').textContent()).resolves.toMatch(/^[\d,]+ events verified · 1 gap$/);
    await tableEqualsService(page);
    await page.context().close();
  });
});
