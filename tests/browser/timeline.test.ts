// The timeline in Chromium against the real stack: dragged back, the table and both charts show a dish as the test
// recorded it at that moment (from `state?at=`, asked once the drag rests); replayed at 10×, the page reaches the
// present and is live again with every event (equal to the dish service, no gap); the past is said plainly, in Chinese
// too, and axe-core finds nothing serious with it on screen.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dish, Snapshot } from '@dish-live/protocol';
import { testRedis, waitFor } from '@dish-live/test-support';
import { DEMO_MENU } from '../../services/dish/src/menu.js';
import { blocking, runAxe } from './axe.js';
import { chromiumSkipReason } from './chromium.js';
import { waitLive } from './page-probes.js';
import { browserSuite, root, type Stack, write } from './stack.js';

const skip = chromiumSkipReason();
if (skip) console.warn(`[browser] ${skip}`);

const DISH = 'mapo-tofu';
const euros = (cents: number) => new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' }).format(cents / 100);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(skip !== undefined)('the timeline in Chromium', () => {
  const suite = browserSuite(testRedis('browser-timeline'));
  let stack: Stack;
  let browser: Browser;
  const pages: Page[] = [];
  /** The dish as each write left it, with the write's time (`updatedAt` is its event's ts). */
  const recorded: Dish[] = [];
  beforeAll(() => {
    ({ stack, browser } = suite);
  });
  afterAll(async () => {
    for (const page of pages) await page.context().close().catch(() => undefined);
  });

  async function open(locale: string): Promise<Page> {
    // bypassCSP: the page's policy would refuse the axe script the test injects (audits.test.ts tests the policy itself).
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale, colorScheme: 'light', bypassCSP: true });
    const page = await context.newPage();
    pages.push(page);
    page.on('pageerror', (err) => console.error(`[browser] page error: ${err.message}`));
    await page.goto(`${stack.url}/?transport=ws`);
    await waitLive(page);
    await page.locator('[data-testid="dish-count"]', { hasText: String(DEMO_MENU.length) }).waitFor();
    await page.getByTestId('timeline-scrubber').waitFor();
    // The card kept the timeline's room before its code arrived: drawn, it is no taller, so nothing below it moved.
    const card = await page.locator('.timeline-card').evaluate((el) => ({ height: el.getBoundingClientRect().height, reserved: parseFloat(getComputedStyle(el).minHeight) }));
    console.log(`[browser] timeline card: ${card.height} px drawn, ${card.reserved} px reserved (${locale})`);
    expect(card.height).toBe(card.reserved);
    return page;
  }

  const dish = async (id: string) => (await (await fetch(`${stack.api}/dishes/${id}`)).json()) as Dish;

  /** A price and stock change, then an order: each recorded as the dish service answered it. */
  async function recordWrites(step: number): Promise<void> {
    const current = await dish(DISH);
    const patched = (await write(stack, 'PATCH', `/dishes/${DISH}`, { stock: 90 - step * 10, price: 3200 + step * 300 })) as Dish;
    expect(patched.version).toBeGreaterThan(current.version);
    recorded.push(patched);
    await write(stack, 'POST', '/orders', { items: [{ dishId: DISH, qty: step + 1 }] });
    // An order is applied by the service's worker: the dish as the sale left it, once it did.
    recorded.push(await waitFor('the order to be applied', async () => {
      const d = await dish(DISH);
      return d.version > patched.version ? d : undefined;
    }, 10_000));
  }

  /** The dish as the test recorded it at `at`: the last write at or before it. */
  function recordedAt(at: number): Dish {
    const before = recorded.filter((d) => d.updatedAt <= at);
    if (before.length === 0) throw new Error(`no recorded write at or before ${at}`);
    return before.at(-1)!;
  }

  async function shows(page: Page, d: Dish): Promise<void> {
    const cell = (field: string) => page.getByTestId(`dish-${DISH}-${field}`);
    await expect.poll(() => cell('stock').textContent(), { timeout: 10_000 }).toBe(String(d.stock));
    expect(await cell('price').textContent()).toBe(euros(d.price));
    expect(await cell('sold').textContent()).toBe(String(d.sold));
    // The bar chart, stock by default, shows the same moment.
    const bar = page.locator(`[data-testid="bar-row"][data-dish-id="${DISH}"] [data-testid="bar-value"]`);
    await expect.poll(() => bar.textContent(), { timeout: 5000 }).toBe(String(d.stock));
  }

  it('dragged back, shows the recorded past in the table and both charts, asking for it once the drag rests', async () => {
    const page = await open('en-US');
    for (let step = 0; step < 3; step++) {
      await recordWrites(step);
      await sleep(3000);
    }
    const stateRequests: string[] = [];
    page.on('request', (req) => {
      if (new URL(req.url()).pathname.endsWith('/state')) stateRequests.push(req.url());
    });
    const slider = page.getByTestId('timeline-scrubber');
    const box = (await slider.boundingBox())!;
    const { min, max } = await slider.evaluate((el) => ({ min: Number((el as HTMLInputElement).min), max: Number((el as HTMLInputElement).max) }));
    // Aim between the second and the third round of writes.
    const target = (recorded[3]!.updatedAt + recorded[4]!.updatedAt) / 2;
    const thumb = 16;
    const xFor = (v: number) => box.x + thumb / 2 + ((v - min) / (max - min)) * (box.width - thumb);
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width - thumb / 2, y);
    await page.mouse.down();
    await slider.evaluate((el) => {
      const w = window as unknown as { __inputs: number };
      w.__inputs = 0;
      el.addEventListener('input', () => w.__inputs++);
    });
    // To the start of the history and back to the moment aimed at: the value changes a second at a time all the way.
    await page.mouse.move(xFor(min), y, { steps: 40 });
    await page.mouse.move(xFor(target), y, { steps: 40 });
    await page.mouse.up();
    // Many input events, few requests: the state is read once the drag rests.
    await page.locator('[data-testid="timeline"][data-mode="past"]').waitFor();
    await sleep(600);
    const dragRequests = stateRequests.length;
    const inputs = await page.evaluate(() => (window as unknown as { __inputs: number }).__inputs);
    console.log(`[browser] timeline: ${inputs} input events while dragging, ${dragRequests} state requests`);
    expect(inputs).toBeGreaterThanOrEqual(10);
    expect(dragRequests).toBeGreaterThanOrEqual(1);
    // A drag that pauses on a slow machine may rest more than once; never anything like one request per input.
    expect(dragRequests).toBeLessThanOrEqual(Math.max(2, inputs / 5));
    // The scale moves with the clock while the pointer moves: the keys set the moment to the second aimed at.
    const gap = { from: recorded[3]!.updatedAt + 500, to: recorded[4]!.updatedAt - 500 };
    for (let i = 0; i < 10; i++) {
      const at = Number(await slider.getAttribute('data-moment'));
      if (at >= gap.from && at <= gap.to) break;
      await page.keyboard.press(at < gap.from ? 'ArrowRight' : 'ArrowLeft');
    }

    await page.getByTestId('past-banner').waitFor();
    await page.locator('[data-testid="timeline"][data-mode="past"]').waitFor();
    const moment = Number(await slider.getAttribute('data-moment'));
    const expected = recordedAt(moment);
    const live = await dish(DISH);
    console.log(`[browser] timeline: dragged to ${new Date(moment).toISOString()} (${max - moment} ms back); recorded then stock ${expected.stock}, sold ${expected.sold}; live stock ${live.stock}`);
    expect(expected.stock).not.toBe(live.stock);
    await shows(page, expected);
    // The status's last change is the moment's too: the id `state?at=` answers for it.
    const then = (await (await fetch(`${stack.api}/state?at=${moment}`)).json()) as { id: string };
    await expect.poll(() => page.getByTestId('status-last-id').textContent(), { timeout: 5000 }).toBe(then.id);
    // The sales line's heading counts what had sold by then (every order of the test is within its 15 minutes).
    const soldThen = recorded.filter((d, i) => i % 2 === 1 && d.updatedAt <= moment).reduce((sum, _d, i) => sum + i + 1, 0);
    await expect.poll(() => page.getByTestId('sales-summary').textContent(), { timeout: 5000 }).toContain(`${soldThen} dishes sold`);

    const banner = await page.getByTestId('past-banner').textContent();
    expect(banner).toMatch(/^Viewing the past — \d\d:\d\d:\d\d/);
    expect(await page.getByTestId('past-banner-region').getAttribute('aria-live')).toBe('polite');
    expect(await slider.getAttribute('aria-valuetext')).toMatch(/^\d\d:\d\d:\d\d$/);
    const violations = blocking(await runAxe(page));
    expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
    await slider.blur();
    await page.screenshot({ path: `${root}docs/timeline.png` });
    // The past's colours read in the dark theme too.
    await page.getByTestId('toggle-theme').click();
    await page.locator('html[data-theme="dark"]').waitFor();
    const dark = blocking(await runAxe(page));
    expect(dark, JSON.stringify(dark, null, 2)).toEqual([]);
    await page.getByTestId('toggle-theme').click();

    // Meanwhile the live page keeps going underneath: a write now does not change the past shown.
    const later = (await write(stack, 'PATCH', `/dishes/${DISH}`, { stock: 7 })) as Dish;
    recorded.push(later);
    await sleep(600);
    expect(await page.getByTestId(`dish-${DISH}-stock`).textContent()).toBe(String(expected.stock));

    // Replayed at 10×, the page reaches the present and is live again, with every event.
    await page.getByTestId('timeline-play-10').click();
    await page.locator('[data-testid="timeline"][data-mode="replay"]').waitFor({ timeout: 5000 });
    await page.locator('[data-testid="timeline"][data-mode="live"]').waitFor({ timeout: (max - moment) / 10 + 15_000 });
    expect(await page.getByTestId('past-banner').count()).toBe(0);
    await waitLive(page);
    const snapshot = (await (await fetch(`${stack.api}/snapshot`)).json()) as Snapshot;
    const table = await waitFor(
      'the live table to equal the dish service',
      async () => {
        const rows = await page.evaluate(() =>
          Array.from(document.querySelectorAll<HTMLElement>('[data-testid="dish-table"] tbody tr[data-dish-id]')).map((tr) => {
            const id = tr.dataset.dishId!;
            const text = (f: string) => tr.querySelector(`[data-testid="dish-${id}-${f}"]`)?.textContent ?? '';
            return { id, stock: Number(text('stock')), sold: Number(text('sold')), price: text('price') };
          }),
        );
        const want = snapshot.dishes.map((d) => ({ id: d.id, stock: d.stock, sold: d.sold, price: euros(d.price) }));
        const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
        return JSON.stringify(rows.sort(byId)) === JSON.stringify(want.sort(byId)) ? rows : undefined;
      },
      10_000,
    );
    expect(table).toHaveLength(DEMO_MENU.length);
    await expect.poll(() => page.getByTestId('status-last-id').textContent(), { timeout: 5000 }).toBe(snapshot.id);
    expect(await page.getByTestId(`dish-${DISH}-stock`).textContent()).toBe('7');
    const proof = page.getByTestId('status-proof');
    expect(await proof.getAttribute('data-gaps')).toBe('0');
    expect(Number(await proof.getAttribute('data-verified'))).toBeGreaterThanOrEqual(recorded.length);
  });

  it('says the past in Chinese in the zh UI, from the keyboard, and goes back to live', async () => {
    const page = await open('zh-CN');
    const slider = page.getByTestId('timeline-scrubber');
    await slider.focus();
    // Ten seconds back, a second a key press (the range's own keys).
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowLeft');
    const banner = page.getByTestId('past-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/^正在查看过去 — /);
    expect(await banner.textContent()).toContain('回到实时');
    await page.getByTestId('past-banner-live').click();
    await page.locator('[data-testid="timeline"][data-mode="live"]').waitFor();
    expect(await banner.count()).toBe(0);
  });
});
