// The whole stack: source → memory transport → engine → applier → Zustand store.
import { createMemoryTransport, createSource, type Source } from '@state-sync/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syncZustandStore, type ZustandSync } from '../src/index';
import { type Board, type BoardState, createHookBoard, createVanillaBoard } from './stores';

let source: Source;
let syncs: ZustandSync<BoardState, Board>[];

beforeEach(() => {
  source = createSource();
  source.topic<Board>('board', { initial: { count: 0, notes: [] } });
  syncs = [];
});

afterEach(async () => {
  for (const sync of syncs) sync.stop();
  await source.close();
});

const board = () => source.topic<Board>('board');

function wire(store: ReturnType<typeof createVanillaBoard>, mode?: 'replace' | 'patch') {
  const transport = createMemoryTransport(source);
  const sync = syncZustandStore<BoardState, Board>(store, {
    topic: 'board',
    subscriber: transport.subscriber('board'),
    provider: transport.provider<Board>('board'),
    omit: ['draft'],
    ...(mode ? { mode } : {}),
  });
  syncs.push(sync);
  return sync;
}

describe.each([
  ['zustand/vanilla store', createVanillaBoard],
  ['React hook store', createHookBoard],
] as const)('syncZustandStore with a %s', (_kind, createBoard) => {
  it('shows the source state once started, and every change after', async () => {
    await board().set({ count: 2, notes: ['first'] });
    const store = createBoard();
    const sync = wire(store);
    await sync.start();
    expect(store.getState()).toMatchObject({ count: 2, notes: ['first'], draft: '' });
    await board().update((b) => ({ ...b, count: b.count + 1 }));
    await sync.refresh();
    expect(store.getState().count).toBe(3);
  });

  it.each(['replace', 'patch'] as const)(
    'keeps local-only keys and actions through every apply (%s)',
    async (mode) => {
      const store = createBoard();
      store.setState({ draft: 'half-typed note' });
      const sync = wire(store, mode);
      await sync.start();
      for (let i = 1; i <= 30; i++) {
        await board().update((b) => ({ count: i, notes: [...b.notes, `n${i}`] }));
        await sync.refresh();
        expect(store.getState().draft).toBe('half-typed note');
      }
      expect(store.getState().notes).toHaveLength(30);
      expect(typeof store.getState().increment).toBe('function');
    },
  );

  it('sends nothing while snapshots arrive and exactly one write per local change', async () => {
    const store = createBoard();
    const sync = wire(store);
    let outbound = 0;
    sync.subscribeLocal(() => {
      outbound++;
      void board().set(sync.toSnapshot());
    });
    await sync.start();

    for (let i = 1; i <= 20; i++) {
      await board().update((b) => ({ ...b, count: b.count + 1 }));
      await sync.refresh();
    }
    expect(store.getState().count).toBe(20);
    expect(outbound).toBe(0);

    store.getState().increment();
    expect(outbound).toBe(1);
    // The write comes back as an invalidation and a snapshot; applying it sends nothing.
    await sync.refresh();
    await sync.refresh();
    expect(outbound).toBe(1);
    expect(sync.getLocalRevision()).toBe('21');

    store.getState().addNote('x');
    await sync.refresh();
    await sync.refresh();
    expect(outbound).toBe(2);
    expect(store.getState()).toMatchObject({ count: 21, notes: ['x'] });
    expect((await board().get()).revision).toBe('22');
  });
});

describe('syncZustandStore status', () => {
  it('keeps a status store current that a selector can read', async () => {
    const store = createVanillaBoard();
    const sync = wire(store);
    const seen: string[] = [];
    sync.statusStore.subscribe((s) => seen.push(s.status));
    expect(sync.statusStore.getState().status).toBe('idle');
    await sync.start();
    sync.stop();
    expect(seen).toStrictEqual(['syncing', 'synced', 'stopped']);
  });

  it('holds the error while status is "error" and clears it on the next status', async () => {
    const store = createVanillaBoard();
    let fail = true;
    const transport = createMemoryTransport(source);
    const provider = transport.provider<Board>('board');
    const sync = syncZustandStore<BoardState, Board>(store, {
      topic: 'board',
      subscriber: transport.subscriber('board'),
      provider: {
        getSnapshot: () => (fail ? Promise.reject(new Error('offline')) : provider.getSnapshot()),
      },
      omit: ['draft'],
    });
    syncs.push(sync);
    await sync.start();
    expect(sync.statusStore.getState()).toMatchObject({
      status: 'error',
      error: expect.objectContaining({ code: 'fetch_failed' }),
    });
    const seen: [string, unknown][] = [];
    sync.statusStore.subscribe(({ status, error }) => seen.push([status, error]));
    fail = false;
    await sync.refresh();
    expect(seen).toStrictEqual([
      ['syncing', undefined],
      ['synced', undefined],
    ]);
  });

  it('detaches from the source on stop and applies nothing afterwards', async () => {
    const store = createVanillaBoard();
    const sync = wire(store);
    await sync.start();
    expect(source.listenerCount()).toBe(1);
    sync.stop();
    expect(source.listenerCount()).toBe(0);
    await board().set({ count: 9, notes: [] });
    await Promise.resolve();
    expect(store.getState().count).toBe(0);
  });
});
