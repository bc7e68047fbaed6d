// The demo server without a browser: page and script served, ops validated, any Origin allowed.
import { createSyncClient } from '@state-sync/websocket';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type DemoServer, startDemoServer } from '../src/index';

let server: DemoServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('startDemoServer', () => {
  it('serves the page and its bundled script on 127.0.0.1', async () => {
    server = await startDemoServer({ port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.wsUrl).toBe(server.url.replace('http', 'ws'));
    const page = await fetch(server.url);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<script type="module" src="/client.js">');
    const script = await fetch(`${server.url}/client.js`);
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(1000);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });

  it('applies valid ops, rejects invalid ones with invalid_op, from any Origin', async () => {
    server = await startDemoServer({ port: 0 });
    const Evil = class extends WebSocket {
      constructor(url: string) {
        super(url, { origin: 'http://elsewhere.test:5173' });
      }
    };
    const client = createSyncClient({ url: server.wsUrl, WebSocket: Evil });
    try {
      const seen: unknown[] = [];
      const board = client.sync('board', { applier: (e) => void seen.push(e.data) });
      await board.start();
      expect(seen).toEqual([{ count: 0, notes: [] }]);
      await expect(client.mutateOp('board', { type: 'increment', by: 2 })).resolves.toEqual({
        revision: '1',
      });
      await expect(client.mutateOp('board', { type: 'addNote', text: 'hi' })).resolves.toEqual({
        revision: '2',
      });
      await expect(
        client.mutateOp('board', { type: 'addNote', text: 'x'.repeat(201) }),
      ).rejects.toMatchObject({ code: 'invalid_op' });
      await expect(
        client.mutateOp('board', { type: 'increment', by: 'lots' }),
      ).rejects.toMatchObject({ code: 'invalid_op' });
      await expect(client.mutateOp('board', { type: 'drop-table' })).rejects.toMatchObject({
        code: 'invalid_op',
      });
      await expect(client.mutateOp('elsewhere', { type: 'reset' })).rejects.toMatchObject({
        code: 'rejected',
      });
      await expect(client.mutateOp('board', { type: 'reset' })).resolves.toEqual({ revision: '3' });
      await board.refresh();
      expect(seen.at(-1)).toEqual({ count: 0, notes: [] });
      board.stop();
    } finally {
      await client.close();
    }
  });
});
