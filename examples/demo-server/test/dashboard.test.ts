// Seed 004 in a real browser (Debian's Chromium): two pages of /dashboard; page A adds a widget,
// A shows it at once (optimistic), B shows it within 500 ms, and A never pulls its own change back
// (no `get` leaves A after its `mutate`).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../../../test-utils/browser';
import { type DemoServer, startDemoServer } from '../src/index';

type Clock = { clickedAt?: number; seenAt?: number };

/** Records the time the first widget appears in this page (one clock: the browser's). */
function watchWidgets(page: Page) {
  return page.evaluate(() => {
    const clock = window as unknown as Clock;
    const list = document.getElementById('widgets') as HTMLElement;
    new MutationObserver(() => {
      if (list.children.length > 0) clock.seenAt ??= Date.now();
    }).observe(list, { childList: true, subtree: true });
    (document.getElementById('add-form') as HTMLFormElement).addEventListener(
      'submit',
      () => {
        clock.clickedAt = Date.now();
      },
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

  it('A shows its widget at once, B within 500 ms, and A never refetches its own change', async () => {
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

    await a.fill('#title', 'revenue <b>chart</b>');
    await a.click('#add-form button[type=submit]');
    await b.locator('#widgets li', { hasText: 'revenue <b>chart</b>' }).waitFor({ timeout: 5000 });
    const clock = (page: Page) =>
      page.evaluate(() => {
        const { clickedAt, seenAt } = window as unknown as Clock;
        return { clickedAt, seenAt };
      });
    const [inA, inB] = [await clock(a), await clock(b)];
    const clickedAt = inA.clickedAt as number;
    // A: in the same task as the click (the view is updated synchronously), before any frame.
    expect((inA.seenAt as number) - clickedAt).toBeLessThan(50);
    // B: pushed (after the 100 ms debounce of seed 004) within 500 ms of the click.
    expect((inB.seenAt as number) - clickedAt).toBeLessThan(500);

    // A's change is confirmed by its own invalidation (its mutation mark): A pulls nothing.
    await a.locator('#pending', { hasText: /^0$/ }).waitFor({ timeout: 5000 });
    await a.waitForTimeout(300);
    const mutateAt = sentByA.findIndex((frame) => frame.includes('"type":"mutate"'));
    expect(mutateAt).toBeGreaterThan(-1);
    const getsAfter = sentByA.slice(mutateAt).filter((frame) => frame.includes('"type":"get"'));
    expect(getsAfter).toStrictEqual([]);
    await expect(a.locator('#widgets li').count()).resolves.toBe(1);
    await expect(a.locator('#widgets b').count()).resolves.toBe(0); // text, never HTML
    await context.close();
  });
});
