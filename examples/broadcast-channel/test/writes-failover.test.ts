// The write path across a host handover, in Debian's Chromium (playwright-core): a client tab's
// mutation is pending at the host tab when the host tab closes; the next host applies it exactly
// once. Two moments of the close: before the host's write committed (the next host applies it),
// and after it committed but before the ack went out (the next host finds its seq in IndexedDB and
// acks it as a duplicate). The writer's view shows the todo from the click on, and never twice.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../../../test-utils/browser';
import { type PageServer, servePage } from '../src/server';

interface Todo {
  id: string;
  text: string;
}
interface Demo {
  ready: Promise<void>;
  add(id: string, text: string): void;
  result(): Promise<unknown>;
  todos(): Todo[];
  pending(): number;
  waitFor(id: string, ms: number): Promise<void>;
  waitSettled(ms: number): Promise<void>;
  hold(mode: 'off' | 'before' | 'after'): void;
  held(): number;
  isHost(): boolean;
  revision(): string;
  errors(): string[];
}
declare const demo: Demo;

describe.skipIf(!chromiumAvailable())('a mutation pending when the host tab closes', () => {
  let server: PageServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await servePage();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function openTab(app: string): Promise<Page> {
    const page = await context!.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${server!.url}writes.html?app=${app}`);
    await page.evaluate(() => demo.ready);
    return page;
  }

  async function threeTabs(app: string) {
    context = await browser!.newContext();
    const tabs = [await openTab(app), await openTab(app), await openTab(app)];
    const hosts = await Promise.all(tabs.map((page) => page.evaluate(() => demo.isHost())));
    expect(hosts.filter(Boolean)).toHaveLength(1);
    const host = tabs[hosts.indexOf(true)]!;
    const [writer, other] = tabs.filter((page) => page !== host) as [Page, Page];
    return { host, writer, other };
  }

  it.each([
    ['before its write committed: the next host applies it', 'before', false],
    [
      'after its write committed, before the ack: the next host acks it as a duplicate',
      'after',
      true,
    ],
  ] as const)('closes the host %s', async (_label, moment, duplicate) => {
    const { host, writer, other } = await threeTabs(`e2e-writes-${moment}`);
    await host.evaluate((mode) => demo.hold(mode), moment);

    await writer.evaluate(() => demo.add('t1', 'buy milk'));
    // Optimistic: the writer shows it at once, before any host answered.
    expect(await writer.evaluate(() => demo.todos())).toEqual([{ id: 't1', text: 'buy milk' }]);
    expect(await writer.evaluate(() => demo.pending())).toBe(1);
    await expect.poll(() => host.evaluate(() => demo.held()), { timeout: 2_000 }).toBe(1);

    await host.close();
    const ack = (await writer.evaluate(() => demo.result())) as Record<string, unknown>;
    expect(ack).toMatchObject({ lastAppliedSeq: 1 });
    expect(Boolean(ack.duplicate)).toBe(duplicate);

    for (const page of [writer, other]) {
      await page.evaluate(() => demo.waitFor('t1', 2_000));
      await page.evaluate(() => demo.waitSettled(2_000));
      // Applied exactly once: one todo, one write (revision 1), in every remaining tab.
      expect(await page.evaluate(() => demo.todos())).toEqual([{ id: 't1', text: 'buy milk' }]);
      expect(await page.evaluate(() => demo.revision())).toBe('1');
      expect(await page.evaluate(() => demo.errors())).toEqual([]);
    }
    // A tab opened afterwards reads the same single todo from IndexedDB.
    const late = await openTab(`e2e-writes-${moment}`);
    await late.evaluate(() => demo.waitFor('t1', 2_000));
    expect(await late.evaluate(() => demo.todos())).toEqual([{ id: 't1', text: 'buy milk' }]);
    expect(pageErrors).toEqual([]);
    await context!.close();
  });
});
