// What the page tells the person looking at it, checked the way they see it (DOM, geometry, words): bars never caught
// mid re-sort, colours that do not depend on the browser, long names that keep the figures in the card, a manager's
// words, the chat after a reload on every transport, and a refused subscription said as such.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventLog } from '@dish-live/broker';
import { testRedis, waitFor } from '@dish-live/test-support';
import { DEMO_MENU } from '../../services/dish/src/menu.js';
import { chromiumSkipReason, launchChromium } from './chromium.js';
import { barLayouts, waitLive } from './page-probes.js';
import { browserSuite, ensureWebBuild, type Stack, startStack, write } from './stack.js';

const skip = chromiumSkipReason();
if (skip) console.warn(`[browser] ${skip}`);

describe.skipIf(skip !== undefined)('the page does not mislead', () => {
  const suite = browserSuite(testRedis('honest-page'));
  let stack: Stack;
  let browser: Browser;
  let log: EventLog;
  beforeAll(() => {
    ({ stack, browser, log } = suite);
  });

  async function open(query: string, options: { width?: number; locale?: string } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: 900 }, locale: options.locale ?? 'en-US' });
    const page = await context.newPage();
    await page.goto(`${stack.url}/${query}`);
    await waitLive(page);
    await page.getByTestId('dish-table').locator('tbody tr[data-dish-id]').first().waitFor();
    return page;
  }

  it('never shows the bars mid re-sort: at every frame rows do not overlap and bars and numbers run largest first', async () => {
    const page = await open('?transport=ws');
    await page.evaluate(() => {
      const w = window as unknown as { __frames: { rows: { top: number; bottom: number; width: number; value: number }[] }[]; __stop: boolean };
      w.__frames = [];
      w.__stop = false;
      const sample = () => {
        const rows = Array.from(document.querySelectorAll<HTMLElement>('[data-testid="bar-row"]')).map((row) => {
          const box = row.getBoundingClientRect();
          const fill = row.querySelector('[data-testid="bar-fill"]')!.getBoundingClientRect();
          return { top: box.top, bottom: box.bottom, width: fill.width, value: Number(row.querySelector('[data-testid="bar-value"]')!.textContent) };
        });
        w.__frames.push({ rows });
        if (!w.__stop) requestAnimationFrame(sample);
      };
      requestAnimationFrame(sample);
    });
    // Rounds that shuffle the order, and rounds that change every value but keep it (the bars then glide).
    const ids = DEMO_MENU.map((d) => d.id);
    let values = ids.map((_, i) => 100 + i * 40);
    for (let round = 0; round < 10; round++) {
      values = round % 2 === 0 ? [...values].sort(() => Math.random() - 0.5) : values.map((v) => Math.round(v * 1.5) + 7);
      await Promise.all(ids.map((id, i) => log.updateDish(id, { stock: values[i]! })));
      await new Promise((r) => setTimeout(r, 450));
    }
    const frames = await page.evaluate(() => {
      const w = window as unknown as { __frames: { rows: { top: number; bottom: number; width: number; value: number }[] }[]; __stop: boolean };
      w.__stop = true;
      return w.__frames;
    });
    const bad: string[] = [];
    frames.forEach(({ rows }, f) => {
      for (let i = 1; i < rows.length; i++) {
        const [above, below] = [rows[i - 1]!, rows[i]!];
        if (below.top < above.bottom - 0.5) bad.push(`frame ${f}: row ${i} overlaps the row above`);
        if (below.width > above.width + 1) bad.push(`frame ${f}: bar ${i} (${below.width.toFixed(1)} px) longer than the bar above (${above.width.toFixed(1)} px)`);
        if (below.value > above.value) bad.push(`frame ${f}: ${below.value} below ${above.value}`);
      }
    });
    console.log(`[browser] bar chart: ${frames.length} frames sampled during 10 updates, ${bad.length} out of order or overlapping`);
    expect(frames.length).toBeGreaterThan(60);
    expect(bad.slice(0, 5)).toEqual([]);
    // And it ends where the data is.
    await waitFor('the bars to show the last values', async () => {
      const bars = await barLayouts(page);
      return bars[0]?.value === Math.max(...values) ? true : undefined;
    });
    await page.context().close();
  }, 60_000);

  it('colours a category the same in every browser language, and keeps its colour when a category is added', async () => {
    const swatches = (page: Page) =>
      page.evaluate(() =>
        Object.fromEntries(
          Array.from(document.querySelectorAll<HTMLElement>('[data-testid$="-category"]')).map((cell) => [
            cell.textContent?.trim() ?? '',
            getComputedStyle(cell.querySelector('.swatch')!).backgroundColor,
          ]),
        ),
      );
    const en = await open('?transport=ws', { locale: 'en-US' });
    const zh = await open('?transport=ws', { locale: 'zh-CN' });
    const colours = await swatches(en);
    expect(Object.keys(colours).length).toBeGreaterThan(3);
    await expect(swatches(zh)).resolves.toEqual(colours);
    await write(stack, 'POST', '/dishes', { id: 'a-new-thing', name: 'A new thing', category: '一个新菜系', price: 100, stock: 5 });
    await en.reload();
    await waitLive(en);
    await en.getByTestId('dish-a-new-thing-category').waitFor();
    const after = await swatches(en);
    for (const [category, colour] of Object.entries(colours)) expect(after[category], category).toBe(colour);
    await write(stack, 'DELETE', '/dishes/a-new-thing');
    await en.context().close();
    await zh.context().close();
  });

  it('keeps Price, Stock and Sold inside the card with an 80-character dish name, on a tablet and a laptop', async () => {
    const name = `Slow-braised pork belly with preserved mustard greens, house style, for sharing!!`.slice(0, 80);
    expect(name).toHaveLength(80);
    await write(stack, 'POST', '/dishes', { id: 'long-name', name, category: '沪菜', price: 12_800, stock: 9 });
    for (const width of [820, 1280]) {
      const page = await open('?transport=ws', { width });
      await page.getByTestId('dish-long-name-name').waitFor();
      const geometry = await page.evaluate(() => {
        const box = (id: string) => document.querySelector(`[data-testid="${id}"]`)!.getBoundingClientRect();
        const card = document.querySelector('[data-testid="dish-table"]')!.closest('.card')!.getBoundingClientRect();
        const nameCell = document.querySelector<HTMLElement>('[data-testid="dish-long-name-name"]')!;
        return {
          card: { left: card.left, right: card.right },
          cells: ['price', 'stock', 'sold'].map((f) => ({ field: f, left: box(`dish-long-name-${f}`).left, right: box(`dish-long-name-${f}`).right })),
          nameClipped: nameCell.scrollWidth > nameCell.clientWidth,
          title: nameCell.title,
        };
      });
      for (const cell of geometry.cells) {
        expect(cell.right, `${cell.field} at ${width} px`).toBeLessThanOrEqual(geometry.card.right);
        expect(cell.left, `${cell.field} at ${width} px`).toBeGreaterThanOrEqual(geometry.card.left);
      }
      // The name gives way (ellipsis) and stays readable whole in its tooltip.
      expect(geometry.nameClipped).toBe(true);
      expect(geometry.title).toBe(name);
      await page.context().close();
    }
    await write(stack, 'DELETE', '/dishes/long-name');
  });

  it("speaks a manager's words in the main view: no gateway, event ids or percentiles, prices with their currency", async () => {
    const page = await open('?transport=ws');
    // innerText is what is rendered: the closed connection details are not part of it.
    const text = await page.evaluate(() => document.body.innerText);
    for (const jargon of [/Gateway/, /Last id/, /p50|p99/, /\bVer\./, /\d{13}-\d+/]) expect(text).not.toMatch(jargon);
    await expect(page.getByTestId('dish-mapo-tofu-price').textContent()).resolves.toMatch(/^€\d+\.\d\d$/);
    await expect(page.getByTestId('sales-summary').textContent()).resolves.toMatch(/^\d+ dishes sold in the last 15 min$/);
    // The technical figures are one click away, each label apart from its value for a screen reader.
    await page.getByTestId('status-details').locator('summary').click();
    await expect(page.getByTestId('status-last-id').textContent()).resolves.toMatch(/^\d+-\d+$/);
    const terms = await page.locator('.status-details dt').allTextContents();
    expect(terms).toContain('Transport');
    await page.context().close();
  });

  for (const transport of ['ws', 'sse', 'poll'] as const) {
    it(`shows the operators' chat after a reload over ${transport}`, async () => {
      const text = `before the reload over ${transport} ${Math.random().toString(36).slice(2, 7)}`;
      await write(stack, 'POST', '/chat', { author: 'Ann', text });
      const page = await open(`?transport=${transport}`);
      await page.locator('[data-testid="chat-text"]', { hasText: text }).waitFor({ timeout: 5000 });
      await page.reload();
      await waitLive(page);
      await page.locator('[data-testid="chat-text"]', { hasText: text }).waitFor({ timeout: 5000 });
      await page.context().close();
    });
  }
});

describe.skipIf(skip !== undefined)('a refused subscription', () => {
  const redisInfo = testRedis('refused-page');
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuild();
    // Gateways that want a subscription token; the page has none to give.
    stack = await startStack(redisInfo, 250, { SUBSCRIBE_JWT_SECRET: 'browser-test-subscription-secret-0123456789abcdef' });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  for (const transport of ['ws', 'sse'] as const) {
    it(`is said in words over ${transport}, and not retried as if the network had failed`, async () => {
      const page = await browser.newPage();
      await page.goto(`${stack.url}/?transport=${transport}`);
      const state = page.locator('[data-testid="status-state"][data-state="refused"]');
      await state.waitFor({ timeout: 10_000 });
      await expect(state.textContent()).resolves.toMatch(/access refused: .*unauthorized|access refused: .*token/i);
      await expect(page.getByTestId('status-retry').isVisible()).resolves.toBe(true);
      // Still refused a while later: no backoff loop turned it back into "reconnecting".
      await new Promise((r) => setTimeout(r, 1500));
      await expect(page.getByTestId('status-state').getAttribute('data-state')).resolves.toBe('refused');
      await page.close();
    });
  }
});
