// The dashboard across restaurants, in Chromium against the real services and Redis: a link opens its restaurant, the
// picker switches to another (the URL follows, nothing of the first stays on screen), back and forward restore, writes
// go to the restaurant shown, and a link naming no restaurant opens `default` saying so.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateDish, Dish } from '@dish-live/protocol';
import { testRedis, waitFor } from '@dish-live/test-support';
import { DEMO_MENU } from '../../services/dish/src/menu.js';
import { runAxe } from './axe.js';
import { chromiumSkipReason } from './chromium.js';
import { waitLive } from './page-probes.js';
import { browserSuite, type Stack, write } from './stack.js';

const skip = chromiumSkipReason();
if (skip) console.warn(`[browser] ${skip}`);

/** Two restaurants of this file's own, each with a menu no other restaurant has (default has the seeded demo menu). */
const RESTAURANTS = {
  noodles: {
    name: 'Noodle Bar',
    dishes: [
      { id: 'beef-noodles', name: 'Beef noodle soup', category: 'noodles', price: 1450, stock: 40 },
      { id: 'dan-dan', name: 'Dan dan noodles', category: 'noodles', price: 1200, stock: 25 },
    ],
  },
  hotpot: {
    name: 'Hotpot House',
    dishes: [
      { id: 'lamb-slices', name: 'Lamb slices', category: 'meat', price: 2200, stock: 30 },
      { id: 'tofu-skin', name: 'Tofu skin', category: 'soy', price: 800, stock: 60 },
      { id: 'lotus-root', name: 'Lotus root', category: 'vegetables', price: 600, stock: 45 },
    ],
  },
} satisfies Record<string, { name: string; dishes: (CreateDish & { id: string })[] }>;
type Rid = keyof typeof RESTAURANTS | 'default';

const menuIds = (rid: Rid) => (rid === 'default' ? DEMO_MENU.map((d) => d.id) : RESTAURANTS[rid].dishes.map((d) => d.id)).sort();

describe.skipIf(skip !== undefined)('the dashboard across restaurants, in Chromium', () => {
  const suite = browserSuite(testRedis('browser-restaurants'));
  let stack: Stack;
  let browser: Browser;
  const pages: Page[] = [];
  beforeAll(async () => {
    ({ stack, browser } = suite);
    for (const [id, { name, dishes }] of Object.entries(RESTAURANTS)) {
      await write(stack, 'POST', '/restaurants', { id, name });
      for (const dish of dishes) await write(stack, 'POST', `/restaurants/${id}/dishes`, dish);
    }
  });
  afterAll(async () => {
    for (const page of pages) await page.close().catch(() => undefined);
  });

  /** `bypassCSP` for a page axe is injected into (the page's policy would refuse its script; audits.test.ts tests the policy). */
  async function open(query: string, options: { bypassCSP?: boolean } = {}): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, locale: 'en-US', ...options });
    pages.push(page);
    page.on('pageerror', (err) => console.error(`[browser] page error: ${err.message}`));
    await page.goto(`${stack.url}/${query}`);
    await waitLive(page);
    return page;
  }

  /** The dish ids the table and the bar chart show, sorted (each id once). */
  function shownIds(page: Page): Promise<string[]> {
    return page.evaluate(() => [...new Set(Array.from(document.querySelectorAll<HTMLElement>('[data-dish-id]'), (e) => e.dataset.dishId ?? ''))].sort());
  }

  /** Waits until the page shows exactly `rid`'s menu, in the table and the bars alike, and is live. */
  async function showsMenu(page: Page, rid: Rid): Promise<void> {
    const want = menuIds(rid);
    let seen: string[] = [];
    await waitFor(`the page to show the menu of ${rid}`, async () => {
      seen = await shownIds(page);
      return seen.join() === want.join();
    }, 10_000, () => seen);
    await waitLive(page);
  }

  const restaurantParam = (page: Page) => new URL(page.url()).searchParams.get('restaurant');

  /** The address bar names `rid` (a pick pushes, back and forward pop: each lands in the URL as the page handles it). */
  async function urlNames(page: Page, rid: Rid): Promise<void> {
    await waitFor(`the URL to name ${rid}`, () => restaurantParam(page) === rid, 5000, () => page.url());
  }

  /** Records, from the frame after a pick, whether any of `ids` is still in the page: one is another restaurant's. */
  async function watchForStale(page: Page, ids: string[]): Promise<void> {
    await page.evaluate((stale) => {
      const w = window as unknown as { __stale: string[]; __framesAfterPick: number };
      w.__stale = [];
      w.__framesAfterPick = 0;
      const selector = stale.map((id) => `[data-dish-id="${id}"]`).join(',');
      document.querySelector('[data-testid="restaurant-picker"]')?.addEventListener(
        'change',
        () => {
          const tick = () => {
            w.__framesAfterPick++;
            const found = document.querySelector<HTMLElement>(selector);
            if (found) w.__stale.push(`frame ${w.__framesAfterPick}: ${found.dataset.dishId}`);
            if (w.__framesAfterPick < 60) requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        },
        { once: true },
      );
    }, ids);
  }

  async function staleSeen(page: Page): Promise<string[]> {
    // Every frame of a second after the pick was looked at, not only the first few.
    await page.waitForFunction(() => (window as unknown as { __framesAfterPick: number }).__framesAfterPick >= 60, undefined, { timeout: 10_000 });
    return page.evaluate(() => (window as unknown as { __stale: string[] }).__stale);
  }

  it('opens the restaurant of ?restaurant=, switches with the picker (URL, data, nothing left over), and back and forward restore', async () => {
    const page = await open('?restaurant=noodles&transport=ws');
    await showsMenu(page, 'noodles');
    await expect(page.getByTestId('dish-beef-noodles-name').textContent()).resolves.toBe('Beef noodle soup');

    // A select labelled "Restaurant", listing every restaurant by name, the shown one chosen.
    const picker = page.getByRole('combobox', { name: 'Restaurant' });
    await expect(picker.inputValue()).resolves.toBe('noodles');
    await waitFor('the picker to list every restaurant', async () => {
      const values = await picker.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
      return values.join() === 'default,hotpot,noodles';
    });
    await expect(picker.locator('option[value="hotpot"]').textContent()).resolves.toBe('Hotpot House');

    await watchForStale(page, menuIds('noodles'));
    await picker.selectOption('hotpot');
    await urlNames(page, 'hotpot');
    // The transport chosen stays as it was.
    expect(new URL(page.url()).searchParams.get('transport')).toBe('ws');
    await showsMenu(page, 'hotpot');
    expect(await staleSeen(page)).toEqual([]);

    // Live: a change in the restaurant shown reaches the page; one in the restaurant left does not.
    await patchStock('noodles', 'dan-dan', 3);
    await patchStock('hotpot', 'tofu-skin', 77);
    await page.getByTestId('dish-tofu-skin-stock').filter({ hasText: /^\s*77\s*$/ }).waitFor({ timeout: 5000 });
    expect(await shownIds(page)).toEqual(menuIds('hotpot'));

    // With the keyboard: focus the picker and pick the first entry (default).
    await picker.focus();
    await page.keyboard.press('Home');
    await urlNames(page, 'default');
    await showsMenu(page, 'default');

    // Back: hotpot, then noodles (the page it opened on), each from a fresh snapshot; forward: hotpot again.
    await page.goBack();
    await urlNames(page, 'hotpot');
    await showsMenu(page, 'hotpot');
    await expect(picker.inputValue()).resolves.toBe('hotpot');
    await page.goBack();
    await urlNames(page, 'noodles');
    await showsMenu(page, 'noodles');
    await expect(page.getByTestId('dish-dan-dan-stock').textContent()).resolves.toBe('3');
    await page.goForward();
    await urlNames(page, 'hotpot');
    await showsMenu(page, 'hotpot');
    await expect(page.getByTestId('dish-tofu-skin-stock').textContent()).resolves.toBe('77');
    await expect(picker.inputValue()).resolves.toBe('hotpot');
  }, 60_000);

  for (const transport of ['sse', 'poll'] as const) {
    it(`switches restaurant over ${transport} too, and stays live there`, async () => {
      const page = await open(`?restaurant=hotpot&transport=${transport}${transport === 'poll' ? '&interval=250' : ''}`);
      await showsMenu(page, 'hotpot');
      await page.getByRole('combobox', { name: 'Restaurant' }).selectOption('noodles');
      await showsMenu(page, 'noodles');
      const stock = 100 + Math.floor(Math.random() * 100);
      await patchStock('noodles', 'beef-noodles', stock);
      await page.getByTestId('dish-beef-noodles-stock').filter({ hasText: new RegExp(`^\\s*${stock}\\s*$`) }).waitFor({ timeout: 5000 });
    });
  }

  it("writes from the admin drawer to the restaurant shown, and to no other", async () => {
    const page = await open('?restaurant=hotpot&transport=ws');
    await showsMenu(page, 'hotpot');
    await page.getByTestId('admin-open').click();
    await page.getByTestId('admin-token').fill(stack.token);
    await page.getByTestId('admin-token-save').click();
    await page.getByTestId('admin-order-dish').selectOption('lotus-root');
    await page.getByTestId('admin-order-qty').fill('2');
    const defaultBefore = await dishes('default');
    await page.getByTestId('admin-order').click();
    await page.getByTestId('admin-notice').filter({ hasText: 'queued' }).waitFor();
    await page.getByTestId('dish-lotus-root-sold').filter({ hasText: /^\s*2\s*$/ }).waitFor({ timeout: 5000 });
    expect((await dishes('hotpot')).find((d) => d.id === 'lotus-root')?.sold).toBe(2);
    expect(await dishes('default')).toEqual(defaultBefore);
  });

  it('opens default, saying so, for a link whose restaurant is no restaurant id or does not exist', async () => {
    const invalid = await open('?restaurant=Not%20A%20Restaurant&transport=ws', { bypassCSP: true });
    await showsMenu(invalid, 'default');
    await expect(invalid.getByTestId('restaurant-notice').textContent()).resolves.toBe(
      'The link names “Not A Restaurant”, which is not a restaurant id: showing the default restaurant.',
    );
    await urlNames(invalid, 'default');
    // The notice and the picker keep the page free of any axe-core violation.
    expect(await runAxe(invalid)).toEqual([]);

    const unknown = await open('?restaurant=no-such-place&transport=sse');
    await unknown.getByTestId('restaurant-notice').filter({ hasText: 'There is no restaurant “no-such-place”: showing the default restaurant.' }).waitFor();
    await showsMenu(unknown, 'default');
    await urlNames(unknown, 'default');
    // A pick is the reader's own choice: the notice goes.
    await unknown.getByRole('combobox', { name: 'Restaurant' }).selectOption('noodles');
    await showsMenu(unknown, 'noodles');
    await expect(unknown.getByTestId('restaurant-notice').count()).resolves.toBe(0);
  });

  async function dishes(rid: Rid): Promise<Dish[]> {
    const res = await fetch(`${stack.api}/restaurants/${rid}/dishes`);
    if (!res.ok) throw new Error(`GET /restaurants/${rid}/dishes answered ${res.status}`);
    return ((await res.json()) as Dish[]).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async function patchStock(rid: Rid, id: string, stock: number): Promise<void> {
    const current = (await dishes(rid)).find((d) => d.id === id);
    if (!current) throw new Error(`${rid} has no dish ${id}`);
    const res = await fetch(`${stack.api}/restaurants/${rid}/dishes/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json', 'if-match': `"${current.version}"` },
      body: JSON.stringify({ stock }),
    });
    if (!res.ok) throw new Error(`PATCH ${rid}/${id} answered ${res.status}: ${await res.text()}`);
  }
});
