// Shared by the browser tests: launch Debian's Chromium through playwright-core (never a
// downloaded browser) with the flags this workplace needs. Outside CI a missing browser skips the
// suite loudly; with CI=true it fails.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** True when browser tests can run; prints a loud banner and returns false otherwise (not in CI). */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const message = `Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install -y chromium)`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`\n${'!'.repeat(80)}\n${message}\nBROWSER TESTS SKIPPED\n${'!'.repeat(80)}\n`);
  return false;
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/**
 * The median of a few latencies a browser test measured. Cross-page timing claims are held on
 * the median of several changes, each of which must still arrive (the test bounds every wait): on
 * a 2-core CI machine running other test files beside it, one change has waited ~600 ms for a
 * core while the library's own part stayed under 100 ms, whereas a slow path in the library slows
 * every change and still fails the claim.
 */
export function medianLatency(values: readonly number[]): number {
  if (values.length === 0) throw new Error('medianLatency: no latencies measured');
  return [...values].sort((a, b) => a - b)[values.length >> 1]!;
}
