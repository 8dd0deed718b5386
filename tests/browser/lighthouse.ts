// Lighthouse (mobile defaults: simulated slow 4G and a 4× slower CPU) against a page, in a Chromium of our own.
import lighthouse from 'lighthouse';
import { chromium } from 'playwright-core';
import { freePort } from '@dish-live/local-redis';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.js';

export interface LighthouseFigures {
  performance: number;
  accessibility: number;
  lcpMs: number;
  tbtMs: number;
  cls: number;
  /** Scripts' main-thread time (bootup-time), in ms, and the three costliest scripts: where to look when it flaps. */
  bootupMs: number;
  slowestScripts: string[];
  /** What failed in the accessibility category, by audit id. */
  accessibilityFailures: string[];
}

/**
 * Runs the performance and accessibility categories on `url`. Chromium is launched here with a DevTools port for
 * Lighthouse to drive, and closed through its handle whatever happens.
 */
export async function runLighthouse(url: string): Promise<LighthouseFigures> {
  const port = await freePort();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_FLAGS, `--remote-debugging-port=${port}`] });
  try {
    const result = await lighthouse(url, { port, output: 'json', logLevel: 'error', onlyCategories: ['performance', 'accessibility'] });
    if (!result) throw new Error(`Lighthouse returned nothing for ${url}`);
    const { categories, audits, runtimeError } = result.lhr;
    if (runtimeError) throw new Error(`Lighthouse could not load ${url}: ${runtimeError.code} ${runtimeError.message}`);
    const numeric = (id: string) => audits[id]?.numericValue ?? NaN;
    const a11y = categories.accessibility;
    return {
      performance: Math.round((categories.performance?.score ?? 0) * 100),
      accessibility: Math.round((a11y?.score ?? 0) * 100),
      lcpMs: numeric('largest-contentful-paint'),
      tbtMs: numeric('total-blocking-time'),
      cls: numeric('cumulative-layout-shift'),
      bootupMs: numeric('bootup-time'),
      slowestScripts: slowest(audits['bootup-time']?.details),
      accessibilityFailures: (a11y?.auditRefs ?? []).map((ref) => ref.id).filter((id) => audits[id]?.score === 0),
    };
  } finally {
    await browser.close();
  }
}

/** `url total ms` of the three scripts with the most main-thread time, from the bootup-time audit's table. */
function slowest(details: unknown): string[] {
  const items = (details as { items?: { url?: unknown; total?: unknown }[] } | undefined)?.items ?? [];
  return items
    .filter((i): i is { url: string; total: number } => typeof i.url === 'string' && typeof i.total === 'number')
    .sort((a, b) => b.total - a.total)
    .slice(0, 3)
    .map((i) => `${i.url.replace(/^https?:\/\/[^/]+/, '')} ${Math.round(i.total)} ms`);
}
