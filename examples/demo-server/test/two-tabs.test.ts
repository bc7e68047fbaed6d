// A real browser (Debian's Chromium): two tabs on the demo page, a click in one is seen in the
// other within 500 ms.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../../../test-utils/browser';
import { type DemoServer, startDemoServer } from '../src/index';

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

  it('a click in one tab shows in the other within 500 ms, notes included', async () => {
    const context = await browser.newContext();
    const [a, b] = [await context.newPage(), await context.newPage()];
    for (const page of [a, b]) {
      await page.goto(server.url);
      await page.locator('#sync', { hasText: 'synced' }).waitFor({ timeout: 10_000 });
      await expect(page.locator('#count').textContent()).resolves.toBe('0');
    }
    // Timed inside the browser (one clock for both tabs): from the click event in A to the DOM
    // change in B, so Playwright's own overhead does not count.
    await a.evaluate(() => {
      document.getElementById('inc5')!.addEventListener('click', () => {
        (window as unknown as { clickedAt: number }).clickedAt = Date.now();
      });
    });
    await b.evaluate(() => {
      const count = document.getElementById('count')!;
      new MutationObserver(() => {
        if (count.textContent === '5')
          (window as unknown as { seenAt: number }).seenAt ??= Date.now();
      }).observe(count, { childList: true, characterData: true, subtree: true });
    });
    await a.click('#inc5');
    await b.locator('#count', { hasText: /^5$/ }).waitFor({ timeout: 5000 });
    const clickedAt = await a.evaluate(
      () => (window as unknown as { clickedAt: number }).clickedAt,
    );
    const seenAt = await b.evaluate(() => (window as unknown as { seenAt: number }).seenAt);
    expect(seenAt - clickedAt).toBeLessThan(500);

    await b.fill('#note', 'hello <b>from</b> tab B');
    await b.click('#note-form button[type=submit]');
    await a.locator('#notes li', { hasText: 'hello <b>from</b> tab B' }).waitFor({ timeout: 5000 });
    // Rendered as text, never as HTML.
    await expect(a.locator('#notes b').count()).resolves.toBe(0);
    await expect(a.locator('#status').textContent()).resolves.toBe('open');
    await context.close();
  });
});
