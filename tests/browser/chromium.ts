// Debian's Chromium for the browser tests (never a downloaded browser), launched with flags that work in this container.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Missing Chromium skips these tests on a developer machine; under CI a missing prerequisite is a failure. */
export function chromiumSkipReason(): string | undefined {
  if (existsSync(CHROMIUM) || process.env.CI === 'true') return undefined;
  return `${CHROMIUM} is missing (Debian: apt-get install -y chromium); browser tests skipped`;
}

/** Flags that work in this container; Playwright gives every launch a fresh temporary user-data-dir and removes it on close. */
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}
