/**
 * Debian's Chromium for the browser tests, driven by playwright-core (never a downloaded browser).
 * RATCHET_CHROMIUM only to check the skip path (point it at a missing file); CI uses /usr/bin/chromium.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.RATCHET_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

/** Headless Chromium as the tests run it: no sandbox (root in CI), no GPU, no background traffic. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}
