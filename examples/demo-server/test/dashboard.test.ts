// Seed 004 in a real browser (Debian's Chromium): two pages of /dashboard; page A adds a widget,
// A shows it at once (optimistic), B shows it (the median of five adds within 500 ms), and A never
// pulls its own change back (no `get` leaves A after its `mutate`s).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, medianLatency } from '../../../test-utils/browser';
import { type DemoServer, startDemoServer } from '../src/index';

type Clock = { clicks: number[]; seen: number[] };

const WIDGETS = 5;

/**
 * Records, in this page, when each add is submitted and when the list first shows n widgets (one
 * clock: the browser's).
 */
function watchWidgets(page: Page) {
  return page.evaluate(() => {
    const clock: Clock = { clicks: [], seen: [] };
    (window as unknown as { clock: Clock }).clock = clock;
    const list = document.getElementById('widgets') as HTMLElement;
    new MutationObserver(() => {
      clock.seen[list.children.length - 1] ??= Date.now();
    }).observe(list, { childList: true, subtree: true });
    (document.getElementById('add-form') as HTMLFormElement).addEventListener(
      'submit',
      () => clock.clicks.push(Date.now()),
      { capture: true },
    );
  });
}

describe.runIf(chromiumAvailable())('seed 004: a dashboard on two pages', () => {
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

  it('A shows each widget at once, B each one (median within 500 ms), and A never refetches its own changes', async () => {
    const context = await browser.newContext();
    const [a, b] = [await context.newPage(), await context.newPage()];
    const sentByA: string[] = [];
    a.on('websocket', (socket) => {
      socket.on('framesent', (frame) => void sentByA.push(String(frame.payload)));
    });
    for (const page of [a, b]) {
      await page.goto(`${server.url}/dashboard`);
      await page.locator('#sync', { hasText: 'synced' }).waitFor({ timeout: 10_000 });
      await watchWidgets(page);
    }

    for (let i = 1; i <= WIDGETS; i++) {
      // Through the DOM: Playwright's fill and click first wait for animation frames, which a
      // page in the background gets throttled (seconds over five adds), not the latency here.
      await a.evaluate((title) => {
        (document.getElementById('title') as HTMLInputElement).value = title;
        (document.getElementById('add-form') as HTMLFormElement).requestSubmit();
      }, `revenue <b>chart</b> ${i}`);
      await b
        .locator('#widgets li', { hasText: `revenue <b>chart</b> ${i}` })
        .waitFor({ timeout: 5000 });
    }
    const clock = (page: Page) =>
      page.evaluate(() => (window as unknown as { clock: Clock }).clock);
    const [inA, inB] = [await clock(a), await clock(b)];
    const since = (seen: number[]) => inA.clicks.map((clickedAt, i) => seen[i]! - clickedAt);
    const [latencyA, latencyB] = [since(inA.seen), since(inB.seen)];
    console.info(
      `dashboard, submit in A to A's / B's DOM (ms): ${JSON.stringify({ latencyA, latencyB })}`,
    );
    expect(inA.clicks).toHaveLength(WIDGETS);
    // A: in the same task as the click (the view is updated synchronously), before any frame.
    expect(medianLatency(latencyA)).toBeLessThan(50);
    // B: pushed (after the 100 ms debounce of seed 004); every widget arrives (waited for above),
    // their median within 500 ms of the click.
    expect(medianLatency(latencyB)).toBeLessThan(500);

    // A's change is confirmed by its own invalidation (its mutation mark): A pulls nothing.
    await a.locator('#pending', { hasText: /^0$/ }).waitFor({ timeout: 5000 });
    await a.waitForTimeout(300);
    const mutateAt = sentByA.findIndex((frame) => frame.includes('"type":"mutate"'));
    expect(mutateAt).toBeGreaterThan(-1);
    const getsAfter = sentByA.slice(mutateAt).filter((frame) => frame.includes('"type":"get"'));
    expect(getsAfter).toStrictEqual([]);
    await expect(a.locator('#widgets li').count()).resolves.toBe(WIDGETS);
    await expect(a.locator('#widgets b').count()).resolves.toBe(0); // text, never HTML
    await context.close();
  });
});
