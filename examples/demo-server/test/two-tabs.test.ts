// A real browser (Debian's Chromium): two tabs on the demo page; each of five clicks in one is
// seen in the other, their median within 500 ms.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, medianLatency } from '../../../test-utils/browser';
import { type DemoServer, startDemoServer } from '../src/index';

const CLICKS = 5;

describe.runIf(chromiumAvailable())('demo page in two tabs', () => {
  let server: DemoServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startDemoServer({ port: 0 });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('every click in one tab shows in the other, the median within 500 ms, notes included', async () => {
    const context = await browser.newContext();
    const [a, b] = [await context.newPage(), await context.newPage()];
    for (const page of [a, b]) {
      await page.goto(server.url);
      await page.locator('#sync', { hasText: 'synced' }).waitFor({ timeout: 10_000 });
      await expect(page.locator('#count').textContent()).resolves.toBe('0');
    }
    // Timed inside the browser (one clock for both tabs): from each click event in A to the DOM
    // change in B, so Playwright's own overhead does not count. Five clicks, each of which must
    // arrive; the 500 ms claim is on their median (`medianLatency`).
    await a.evaluate(() => {
      const clicks: number[] = [];
      (window as unknown as { clicks: number[] }).clicks = clicks;
      document.getElementById('inc5')!.addEventListener('click', () => clicks.push(Date.now()));
    });
    await b.evaluate(() => {
      const count = document.getElementById('count')!;
      const seen: Record<string, number> = {};
      (window as unknown as { seen: Record<string, number> }).seen = seen;
      new MutationObserver(() => {
        seen[count.textContent ?? ''] ??= Date.now();
      }).observe(count, { childList: true, characterData: true, subtree: true });
    });
    for (let click = 1; click <= CLICKS; click++) {
      // Through the DOM: Playwright's click first waits for animation frames, which a tab in the
      // background gets throttled (seconds over five clicks) and which are not the latency here.
      await a.evaluate(() => document.getElementById('inc5')!.click());
      await b
        .locator('#count', { hasText: new RegExp(`^${5 * click}$`) })
        .waitFor({ timeout: 5000 });
    }
    const clicks = await a.evaluate(() => (window as unknown as { clicks: number[] }).clicks);
    const seen = await b.evaluate(
      () => (window as unknown as { seen: Record<string, number> }).seen,
    );
    const latencies = clicks.map((clickedAt, i) => seen[String(5 * (i + 1))]! - clickedAt);
    console.info(`two tabs, click in A to B's DOM (ms): ${JSON.stringify(latencies)}`);
    expect(latencies).toHaveLength(CLICKS);
    expect(medianLatency(latencies)).toBeLessThan(500);

    await b.fill('#note', 'hello <b>from</b> tab B');
    await b.click('#note-form button[type=submit]');
    await a.locator('#notes li', { hasText: 'hello <b>from</b> tab B' }).waitFor({ timeout: 5000 });
    // Rendered as text, never as HTML.
    await expect(a.locator('#notes b').count()).resolves.toBe(0);
    await expect(a.locator('#status').textContent()).resolves.toBe('open');
    await context.close();
  });
});
