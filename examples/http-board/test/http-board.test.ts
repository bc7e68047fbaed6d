// The board over HTTP only: a Node client and a real browser (Debian's Chromium, two tabs) stay
// in sync through SSE invalidations and snapshot GETs; no WebSocket is opened.

import { createHttpSyncClient } from '@state-sync/http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chromiumAvailable, launchChromium } from '../../../test-utils/browser';
import type { Board } from '../../demo-server/src/board';
import { type HttpBoard, startHttpBoard } from '../src/index';

let server: HttpBoard;
beforeAll(async () => {
  server = await startHttpBoard({ port: 0 });
});
afterAll(() => server?.close());

describe('the board over HTTP', () => {
  it('applies ops from one client in another pushed on the invalidation, and refuses a bad op with rejected', async () => {
    const a = createHttpSyncClient({ url: `${server.url}/sync`, browserEvents: false });
    const b = createHttpSyncClient({ url: `${server.url}/sync`, browserEvents: false });
    const seen: Board[] = [];
    const handle = b.sync<Board>('board', { applier: ({ data }) => void seen.push(data) });
    await handle.start();
    await a.mutateOp('board', { type: 'addNote', text: 'from a' });
    await vi.waitFor(() => expect(seen.at(-1)?.notes).toContain('from a'), { timeout: 5000 });
    // The change came on the invalidation (the board is small: the whole state inline; a larger
    // one would get a delta): applied without a snapshot request beyond the first.
    expect(b.getMetrics()).toMatchObject({ pushed: 1, snapshotRequests: 1 });
    await expect(a.mutateOp('board', { type: 'explode' })).rejects.toMatchObject({
      code: 'rejected',
    });
    handle.stop();
    await Promise.all([a.close(), b.close()]);
  });
});

describe.runIf(chromiumAvailable())('the page in two tabs', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  it('a click in one tab shows in the other, and no WebSocket is opened', async () => {
    const context = await browser.newContext();
    const [a, b] = [await context.newPage(), await context.newPage()];
    const sockets: string[] = [];
    for (const page of [a, b]) {
      page.on('websocket', (ws) => sockets.push(ws.url()));
      await page.goto(server.url);
      await page.locator('#sync', { hasText: 'synced' }).waitFor({ timeout: 15_000 });
    }
    const before = Number(await b.locator('#count').textContent());
    await a.click('#inc5');
    await b
      .locator('#count', { hasText: new RegExp(`^${before + 5}$`) })
      .waitFor({ timeout: 10_000 });
    await expect(a.locator('#status').textContent()).resolves.toBe('open');
    expect(sockets).toEqual([]);
    await context.close();
  });
});
