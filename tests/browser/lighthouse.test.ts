// Lighthouse on the dashboard, mobile defaults. Its performance score is computed from the main thread's observed
// work, so a machine busy with other tests lowers it: `npm test` runs this file alone, after every other test.
import { beforeAll, describe, expect, it } from 'vitest';
import { testRedis } from '@dish-live/test-support';
import { chromiumSkipReason } from './chromium.js';
import { runLighthouse } from './lighthouse.js';
import { browserSuite, type Stack, write } from './stack.js';

const skip = chromiumSkipReason();
if (skip) console.warn(`[browser] ${skip}`);

describe.skipIf(skip !== undefined)('the dashboard on Lighthouse', () => {
  const suite = browserSuite(testRedis('lighthouse'), { browser: false });
  let stack: Stack;
  beforeAll(async () => {
    stack = suite.stack;
    // A sale, so the line chart has a line and Lighthouse sees the page as it is used.
    await write(stack, 'POST', '/orders', { items: [{ dishId: 'mapo-tofu', qty: 2 }] });
  });

  it('scores on Lighthouse mobile: performance ≥ 80 (median of three runs), CLS < 0.1, accessibility ≥ 95', async () => {
    // The median of three runs, as Lighthouse advises where the machine is shared: one run's score moved 92 → 83
    // between two otherwise equal CI runs here. Layout shift and accessibility must hold in every run.
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await runLighthouse(`${stack.url}/?transport=ws`));
    for (const run of runs) {
      expect(run.cls).toBeLessThan(0.1);
      expect(run.accessibility).toBeGreaterThanOrEqual(95);
    }
    const f = [...runs].sort((a, b) => a.performance - b.performance)[1]!;
    console.log(
      `[browser] Lighthouse mobile: performance ${f.performance} (median of ${runs.map((r) => r.performance).join(', ')}), accessibility ${f.accessibility}; ` +
        `LCP ${Math.round(f.lcpMs)} ms, TBT ${Math.round(f.tbtMs)} ms, CLS ${f.cls.toFixed(3)}, script bootup ${Math.round(f.bootupMs)} ms (${f.slowestScripts.join(', ')})` +
        (f.accessibilityFailures.length ? `; accessibility audits failed: ${f.accessibilityFailures.join(', ')}` : ''),
    );
    expect(f.performance).toBeGreaterThanOrEqual(80);
  }, 300_000);
});
