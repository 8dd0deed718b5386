// What the dashboard shows, read from the page the way a person sees it: its status, a canvas's painted pixels, the bars' layout.
import type { Page } from 'playwright-core';

/** The dashboard's state as the page shows it: the last change's id and full reloads (connection details), the dish count. */
export interface PageState {
  lastId: string;
  snapshots: number;
  dishes: number;
}

export function pageState(page: Page): Promise<PageState> {
  return page.evaluate(() => {
    const text = (id: string) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() ?? '';
    return { lastId: text('status-last-id'), snapshots: Number(text('status-snapshots')), dishes: Number(text('dish-count')) };
  });
}

export async function waitLive(page: Page, timeout = 15_000): Promise<void> {
  try {
    await page.locator('[data-testid="status-state"][data-state="live"]').waitFor({ timeout });
  } catch (err) {
    const status = await page
      .evaluate(() => document.querySelector('.status-bar')?.textContent ?? document.body.textContent)
      .catch((e: unknown) => String(e));
    throw new Error(`${page.url()} not live after ${timeout} ms; the page says: ${status}`, { cause: err });
  }
}

/** Non-transparent pixels of the first canvas inside a container: a drawn chart has many, a blank one none. */
export function paintedPixels(page: Page, testId: string): Promise<number> {
  return page.evaluate((id) => {
    const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="${id}"] canvas`);
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || canvas.width === 0 || canvas.height === 0) return 0;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
    return painted;
  }, testId);
}

/** A bar as drawn: its dish, the number shown beside it, where its row sits and how long its bar is, in CSS pixels. */
export interface BarLayout {
  id: string;
  value: number;
  top: number;
  bottom: number;
  width: number;
}

export function barLayouts(page: Page): Promise<BarLayout[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('[data-testid="bar-row"]')).map((row) => {
      const box = row.getBoundingClientRect();
      return {
        id: row.dataset.dishId ?? '',
        value: Number(row.querySelector('[data-testid="bar-value"]')?.textContent),
        top: box.top,
        bottom: box.bottom,
        width: row.querySelector('[data-testid="bar-fill"]')?.getBoundingClientRect().width ?? NaN,
      };
    }),
  );
}
