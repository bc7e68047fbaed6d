// A WebSocket client connected across a restart of a server on SQLite: the server comes back with
// the same epoch and revision, so the client carries on (no epoch resync) and sees what follows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RefreshReason } from '@state-sync/core';
import { createSqliteStore } from '@state-sync/sqlite';
import { createSyncClient } from '@state-sync/websocket';
import { afterEach, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { type Board, boardSchema, type DemoServer, startDemoServer } from '../src/index';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

it('a client connected across a server restart on SQLite sees no epoch change', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'state-sync-restart-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'board.db');
  let server: DemoServer = await startDemoServer({ port: 0, store: createSqliteStore({ path }) });
  cleanup.push(() => server.close());
  const port = Number(new URL(server.url).port);

  const client = createSyncClient({
    url: server.wsUrl,
    WebSocket,
    reconnect: { baseDelayMs: 20, maxDelayMs: 100 },
  });
  cleanup.push(() => client.close());
  const reasons: Array<RefreshReason | undefined> = [];
  let board: Board | undefined;
  const handle = client.sync<Board>('board', {
    schema: boardSchema,
    applier: ({ data }) => {
      board = data;
    },
  });
  handle.onStatus((status, info) => {
    if (status === 'syncing') reasons.push(info.reason);
  });
  await handle.start();
  await client.mutate('board', { type: 'increment', by: 5 });
  await vi.waitFor(() => expect(board?.count).toBe(5));
  const epoch = handle.getEpoch();
  const revision = handle.getLocalRevision();

  await server.close();
  server = await startDemoServer({ port, store: createSqliteStore({ path }) });
  const ack = await client.mutate('board', { type: 'increment' });
  expect(ack.revision).toBe(String(Number(revision) + 1));
  await vi.waitFor(() => expect(board?.count).toBe(6), { timeout: 5000 });
  expect(handle.getEpoch()).toBe(epoch);
  expect(reasons).not.toContain('epoch');
});
