// A WebSocket client connected across a restart of a server on SQLite: the server comes back with
// the same epoch and revision, so the client carries on (no epoch resync) and sees what follows,
// and what changed while it was away arrives as one delta from the store's log.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSource, type RefreshReason } from '@state-sync/core';
import { diffStates } from '@state-sync/protocol/diff';
import { createSqliteStore } from '@state-sync/sqlite';
import { createSyncClient } from '@state-sync/websocket';
import { afterEach, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import {
  type Board,
  boardSchema,
  type DemoServer,
  initialBoard,
  startDemoServer,
} from '../src/index';

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
  await client.mutateOp('board', { type: 'increment', by: 5 });
  await vi.waitFor(() => expect(board?.count).toBe(5));
  const epoch = handle.getEpoch();
  const revision = handle.getLocalRevision();

  await server.close();
  server = await startDemoServer({ port, store: createSqliteStore({ path }) });
  const ack = await client.mutateOp('board', { type: 'increment' });
  expect(ack.revision).toBe(String(Number(revision) + 1));
  await vi.waitFor(() => expect(board?.count).toBe(6), { timeout: 5000 });
  expect(handle.getEpoch()).toBe(epoch);
  expect(reasons).not.toContain('epoch');
});

it('a client back from a server restart on SQLite receives only the change made while it was away', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'state-sync-resume-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'board.db');
  // Another process writes the file through a source with a diff, so its changes are logged.
  const writeOffline = async (change: (board: Board) => Board) => {
    const offline = createSource({ store: createSqliteStore({ path }), diff: diffStates });
    await offline.topic<Board>('board', { initial: initialBoard }).update(change);
    await offline.close();
  };
  // A large board, so a snapshot and a delta cannot be mistaken for each other by size.
  const notes = Array.from({ length: 200 }, (_, i) => `note number ${i} with some text in it`);
  await writeOffline((board) => ({ ...board, notes }));
  let server: DemoServer = await startDemoServer({ port: 0, store: createSqliteStore({ path }) });
  cleanup.push(() => server.close());
  const port = Number(new URL(server.url).port);

  const frames: Array<Record<string, unknown>> = [];
  class RecordingSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      this.on('message', (raw) => frames.push(JSON.parse(String(raw))));
    }
  }
  const client = createSyncClient({
    url: server.wsUrl,
    WebSocket: RecordingSocket,
    reconnect: { baseDelayMs: 20, maxDelayMs: 100 },
  });
  cleanup.push(() => client.close());
  let board: Board | undefined;
  const handle = client.sync<Board>('board', {
    schema: boardSchema,
    applier: ({ data }) => {
      board = data;
    },
  });
  await handle.start();
  const epoch = handle.getEpoch();
  const before = handle.getLocalRevision();

  await server.close();
  await writeOffline((board) => ({ ...board, count: board.count + 7 })); // while the server is down
  frames.length = 0;
  server = await startDemoServer({ port, store: createSqliteStore({ path }) });

  await vi.waitFor(() => expect(board?.count).toBe(7), { timeout: 5000 });
  expect(handle.getEpoch()).toBe(epoch);
  expect(handle.getLocalRevision()).toBe(String(Number(before) + 1));
  expect(board?.notes).toHaveLength(200);
  const answers = frames.filter((f) => f.type === 'snapshot');
  expect(answers).toHaveLength(1);
  expect(answers[0]).toMatchObject({ delta: { baseRevision: before } });
  expect(answers[0]).not.toHaveProperty('data');
  expect(JSON.stringify(answers[0]).length).toBeLessThan(300);
});
