// The dashboard's alerts in Chromium against the real dish service, gateway, notifier and Redis: a webhook added through
// the admin drawer's Alerts panel (its secret shown once, then verifying what the notifier delivers), listed with its
// deliveries, a refused URL's reason, removal; and, in a background tab with notifications allowed, a dish driven to 0
// through the API raising browser notifications, never twice.
import type { Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dish } from '@dish-live/protocol';
import { freePort } from '@dish-live/local-redis';
import {
  startNotifierProcess, startService, startWebhookReceiver, testRedis, waitFor, waitForHttp,
  type NotifierProcess, type ServiceName, type ServiceProcess, type WebhookReceiver,
} from '@dish-live/test-support';
import { startLocalWeb } from '../../scripts/local-web.js';
import { blocking, runAxe } from './axe.js';
import { chromiumSkipReason, launchChromium } from './chromium.js';
import { waitLive } from './page-probes.js';
import { ensureWebBuild, root } from './stack.js';

const skip = chromiumSkipReason();
if (skip) console.warn(`[browser] ${skip}`);

const RID = 'alerts-bistro';
const TOKEN = `browser-alerts-${Math.random().toString(36).slice(2)}`;
type PageProbe = { __notes: { title: string; body?: string; tag?: string }[]; __asked: number; __hidden: boolean };

/** Before the page's own scripts: Notification wrapped to record each one and each permission request, and a
 * visibilityState the test sets (Chromium keeps a headless page visible, and a frozen page runs no script at all). */
function probeScript() {
  const w = window as unknown as PageProbe & { Notification: typeof Notification };
  Object.assign(w, { __notes: [], __asked: 0, __hidden: false } satisfies PageProbe);
  Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (w.__hidden ? 'hidden' : 'visible') });
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => w.__hidden });
  const Real = w.Notification;
  class RecordingNotification extends Real {
    constructor(title: string, options?: NotificationOptions) {
      w.__notes.push({ title, ...(options?.body !== undefined ? { body: options.body } : {}), ...(options?.tag !== undefined ? { tag: options.tag } : {}) });
      super(title, options);
    }
    static override get permission() { return Real.permission; }
    static override requestPermission(...args: Parameters<typeof Notification.requestPermission>) { w.__asked++; return Real.requestPermission(...args); }
  }
  w.Notification = RecordingNotification;
}

describe.skipIf(skip !== undefined)('alerts in the dashboard, in Chromium', () => {
  const redis = testRedis('browser-alerts');
  const started: ServiceProcess[] = [];
  let web: Server | undefined;
  let receiver: WebhookReceiver | undefined;
  let notifier: NotifierProcess | undefined;
  let browser: Browser | undefined;
  let pageUrl = '';
  let api = '';
  let hookUrl = '';

  async function start(name: ServiceName, env: Record<string, string>): Promise<ServiceProcess> {
    const service = await startService(name, { REDIS_URL: redis.url, KEY_PREFIX: redis.prefix, ...env }, { port: await freePort(), timeoutMs: 40_000 });
    started.push(service);
    await waitForHttp(service, `${service.url}/readyz`, 40_000);
    return service;
  }

  beforeAll(async () => {
    await ensureWebBuild();
    // A receiver on loopback, allowed explicitly, verifying each delivery with the secret the panel showed; its first
    // answer to each alert is 500, so the deliveries list shows a retry too.
    receiver = await startWebhookReceiver();
    receiver.behave('/hook', (attempt) => (attempt.nth === 1 ? 500 : 204));
    hookUrl = receiver.url('/hook');
    const allow = { WEBHOOK_ALLOW_HOSTS: `127.0.0.1:${receiver.port}` };
    const dish = await start('dish', { DISH_API_TOKENS: TOKEN, SIM_RATE: '0', ...allow });
    const ws = await start('ws-gateway', {});
    notifier = await startNotifierProcess({ REDIS_URL: redis.url, KEY_PREFIX: redis.prefix, WEBHOOK_BACKOFF_MS: '100', ...allow });
    api = `${dish.url}/api`;
    const [webPort, host] = [await freePort(), '127.0.0.1'];
    // The pages here use WebSocket and polling only; /sse goes to the WebSocket gateway's port, and nothing asks it.
    web = await startLocalWeb({
      port: webPort, host, webRoot: `${root}web/dist`, api: { host, port: dish.port }, ws: { host, port: ws.port }, sse: { host, port: ws.port },
      config: { apiBase: '/api', wsUrl: '/ws', sseUrl: '/sse', writeTokenRequired: true, pollIntervalMs: 250 },
    });
    pageUrl = `http://127.0.0.1:${webPort}/?restaurant=${RID}&transport=ws`;
    await call('POST', '/restaurants', { id: RID, name: 'Alerts Bistro' });
    await call('POST', `/restaurants/${RID}/dishes`, { id: 'duck', name: 'Roast duck', category: 'mains', price: 3800, stock: 10 });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    web?.closeAllConnections();
    await new Promise((resolve) => (web ? web.close(resolve) : resolve(undefined)));
    await notifier?.stop();
    await receiver?.close();
    for (const service of started.reverse()) await service.stop();
  }, 60_000);

  /** A write or read of the test's own, with the token, straight to the dish service. */
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<unknown> {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
    return res.status === 204 ? undefined : res.json();
  }

  async function setStock(stock: number): Promise<void> {
    const { version } = (await call('GET', `/restaurants/${RID}/dishes/duck`)) as Dish;
    await call('PATCH', `/restaurants/${RID}/dishes/duck`, { stock }, { 'if-match': `"${version}"` });
  }

  /** A page of its own context; `bypassCSP` for axe's injected script (audits.test.ts tests the policy itself). */
  async function open(grant: boolean): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', bypassCSP: true });
    // Browser.grantPermissions over CDP, for this origin only.
    if (grant) await context.grantPermissions(['notifications', 'clipboard-read', 'clipboard-write'], { origin: new URL(pageUrl).origin });
    await context.addInitScript(probeScript);
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error(`[browser] page error: ${err.message}`));
    await page.goto(pageUrl);
    await waitLive(page);
    await page.getByTestId('dish-duck-stock').waitFor();
    await page.getByTestId('admin-open').click();
    await page.getByTestId('admin-token').fill(TOKEN);
    await page.getByTestId('admin-token-save').click();
    return { context, page };
  }

  it('adds a webhook through the Alerts panel, shows its secret once, lists it, says why a URL is refused, removes it', async () => {
    const { context, page } = await open(true);
    const panel = page.getByTestId('alerts-panel');
    await panel.getByTestId('alerts-none').waitFor();
    // The defaults: every event, threshold 5.
    for (const type of ['stock.low', 'dish.sold_out', 'dish.back_in_stock']) expect(await panel.getByTestId(`alerts-event-${type}`).isChecked()).toBe(true);
    expect(await panel.getByLabel('Low below').inputValue()).toBe('5');

    await panel.getByLabel('Webhook URL').fill(hookUrl);
    await panel.getByLabel('Back in stock').uncheck();
    await panel.getByLabel('Low below').fill('3');
    await panel.getByRole('button', { name: 'Add webhook' }).click();
    const secretBox = panel.getByTestId('alerts-secret-box');
    await secretBox.waitFor();
    const secret = await panel.getByTestId('alerts-secret').inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32,}$/);
    expect(await secretBox.textContent()).toContain('it will not be shown again');
    // Focus is on the secret, the one thing to act on now; Copy puts it on the clipboard.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('alerts-secret');
    await secretBox.getByRole('button', { name: 'Copy secret' }).click();
    await secretBox.getByText('Copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

    const item = panel.getByTestId('alerts-webhook');
    await expect(item.getByTestId('alerts-webhook-url').textContent()).resolves.toBe(hookUrl);
    await expect(item.getByTestId('alerts-webhook-details').textContent()).resolves.toMatch(/^\s*Stock low, Sold out · low below 3 ·\s+active\s*$/);
    const stored = await call('GET', `/restaurants/${RID}/webhooks`);
    expect(stored).toMatchObject([{ url: hookUrl, events: ['stock.low', 'dish.sold_out'], threshold: 3, disabled: null }]);
    expect(JSON.stringify(stored)).not.toContain(secret);

    // Deliveries on a toggle: none yet; then 10 → 2 is stock.low, which the receiver verifies with the secret shown.
    const toggle = item.getByRole('button', { name: 'Deliveries' });
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await item.getByTestId('alerts-no-deliveries').waitFor();
    receiver!.setSecret('/hook', secret);
    // The notifier reads which restaurants have webhooks every few seconds, and follows a new one from then on.
    const followed = async () => ((await (await fetch(`${notifier!.url}/readyz`)).json()) as { restaurants?: number }).restaurants === 1;
    await waitFor('the notifier to follow the restaurant', followed, 15_000);
    await setStock(2);
    await waitFor('the stock.low alert accepted', () => receiver!.accepted('/hook').length === 1, 20_000, () => receiver!.attempts);
    expect(receiver!.invalid()).toEqual([]);
    await item.getByRole('button', { name: 'Refresh' }).click();
    const rows = item.getByTestId('alerts-delivery');
    await rows.nth(1).waitFor();
    // Newest first: the second attempt delivered, the first answered 500 and retried.
    const cells = await rows.evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent).slice(1)));
    expect(cells).toEqual([['Stock low', '2', 'HTTP 204', 'delivered'], ['Stock low', '1', 'HTTP 500', 'will retry']]);
    expect(blocking(await runAxe(page))).toEqual([]);

    // Hidden once done, and never shown again: not after closing and opening the drawer either.
    await secretBox.getByRole('button', { name: 'Done, hide it' }).click();
    await page.getByTestId('admin-close').click();
    await page.getByTestId('admin-open').click();
    await page.getByTestId('alerts-webhook').waitFor();
    await expect(page.getByTestId('alerts-secret-box').count()).resolves.toBe(0);
    expect(await page.evaluate((s) => document.body.innerText.includes(s) || Array.from(document.querySelectorAll('input'), (i) => i.value).includes(s), secret)).toBe(false);

    // Loopback without an allow entry: 422, its reason in words, nothing stored.
    await page.getByLabel('Webhook URL').fill('http://127.0.0.1:9/');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const error = page.getByTestId('alerts-error');
    await error.filter({ hasText: 'loopback' }).waitFor();
    expect(await error.textContent()).toContain('URL refused: its address is internal');
    // A threshold out of range: the server's 400 names the field.
    await page.getByLabel('Webhook URL').fill(hookUrl);
    await page.getByLabel('Low below').fill('0');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await error.filter({ hasText: 'threshold' }).waitFor();
    expect(await call('GET', `/restaurants/${RID}/webhooks`)).toHaveLength(1);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByTestId('alerts-remove').click();
    await page.getByTestId('alerts-notice').filter({ hasText: `Removed the webhook for ${hookUrl}.` }).waitFor();
    await page.getByTestId('alerts-none').waitFor();
    expect(await call('GET', `/restaurants/${RID}/webhooks`)).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as PageProbe).__asked)).toBe(0);
    await context.close();
  }, 90_000);

  it('asks for notification permission only on a click', async () => {
    const { context, page } = await open(false);
    await page.getByTestId('alerts-browser').and(page.locator('[data-access="default"]')).getByRole('button', { name: 'Allow notifications' }).waitFor();
    expect(await page.evaluate(() => (window as unknown as PageProbe).__asked)).toBe(0);
    await context.close();
  });

  it('in a background tab with permission, shows one notification per alert of its restaurant, never repeated by a resync', async () => {
    await setStock(10);
    const { context, page } = await open(true);
    await expect(page.getByTestId('alerts-browser').getAttribute('data-access')).resolves.toBe('granted');
    const notes = () => page.evaluate(() => (window as unknown as PageProbe).__notes);
    const stockShown = (n: number) => page.getByTestId('dish-duck-stock').filter({ hasText: new RegExp(`^\\s*${n}\\s*$`) }).waitFor({ timeout: 10_000 });

    // Visible: an alert (10 → 4 is stock.low) shows nothing.
    for (const n of [4, 10]) await setStock(n).then(() => stockShown(n));
    expect(await notes()).toEqual([]);

    await page.evaluate(() => ((window as unknown as PageProbe).__hidden = true));
    // An order sells the rest: 10 → 0 is stock.low, then sold out.
    await call('POST', `/restaurants/${RID}/orders`, { items: [{ dishId: 'duck', qty: 10 }] });
    const two = await waitFor('two notifications', async () => ((await notes()).length >= 2 ? notes() : undefined), 10_000, () => null);
    expect(two.map((n) => n.title)).toEqual(['Roast duck: stock low, 0 left', 'Roast duck sold out']);
    expect(two.map((n) => n.body)).toEqual(['Alerts Bistro · Dish Live', 'Alerts Bistro · Dish Live']);
    // An event's alert id, or a conflated state's (which adds the dish): either way one tag per alert.
    expect(two[0]?.tag).toMatch(new RegExp(`^${RID}/\\d+-\\d+(/duck)?/stock\\.low$`));
    expect(two[1]?.tag).toBe(two[0]?.tag?.replace('stock.low', 'dish.sold_out'));

    // A resync: polling resumes from the page's last id. Then one more change: only its alert is new.
    await page.evaluate(() => ((window as unknown as PageProbe).__hidden = false));
    await page.getByTestId('admin-close').click();
    await page.getByTestId('transport-poll').click();
    await waitLive(page);
    await page.evaluate(() => ((window as unknown as PageProbe).__hidden = true));
    await setStock(6);
    const three = await waitFor('the back-in-stock notification', async () => ((await notes()).length >= 3 ? notes() : undefined), 10_000, () => null);
    expect(three.map((n) => n.title)).toEqual(['Roast duck: stock low, 0 left', 'Roast duck sold out', 'Roast duck back in stock (6)']);
    expect(new Set(three.map((n) => n.tag)).size).toBe(3);
    await context.close();
  }, 90_000);
});
