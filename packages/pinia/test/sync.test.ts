// The whole stack: source → memory transport → engine → applier → Pinia store.
import { createMemoryTransport, createSource, type Source } from '@state-sync/core';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nextTick, watch } from 'vue';
import { type PiniaSync, syncPiniaStore } from '../src/index';
import { type Board, useOptionBoard, useSetupBoard } from './stores';

let source: Source;
let syncs: PiniaSync<never, unknown>[];

beforeEach(() => {
  setActivePinia(createPinia());
  source = createSource();
  source.topic<Board>('board', { initial: { count: 0, notes: [] } });
  syncs = [];
});

afterEach(async () => {
  for (const sync of syncs) sync.stop();
  await source.close();
});

function wire<St extends ReturnType<typeof useOptionBoard> | ReturnType<typeof useSetupBoard>>(
  store: St,
  options: { mode?: 'replace' | 'patch' } = {},
) {
  const transport = createMemoryTransport(source);
  const sync = syncPiniaStore(store, {
    topic: 'board',
    subscriber: transport.subscriber('board'),
    provider: transport.provider<Board>('board'),
    omit: ['draft'],
    ...options,
  });
  syncs.push(sync as never);
  return sync;
}

const board = () => source.topic<Board>('board');

describe.each([
  ['option store', useOptionBoard],
  ['setup store', useSetupBoard],
] as const)('syncPiniaStore with a %s', (_kind, useBoard) => {
  it('shows the source state once started, and every change after', async () => {
    await board().set({ count: 2, notes: ['first'] });
    const store = useBoard();
    const sync = wire(store);
    await sync.start();
    expect(store.$state).toStrictEqual({ count: 2, notes: ['first'], draft: '' });
    await board().update((b) => ({ ...b, count: b.count + 1 }));
    await sync.refresh();
    expect(store.count).toBe(3);
    expect(sync.getLocalRevision()).toBe('2');
  });

  it('keeps local-only keys through every apply', async () => {
    const store = useBoard();
    store.draft = 'half-typed note';
    const sync = wire(store);
    await sync.start();
    for (let i = 1; i <= 30; i++) {
      await board().update((b) => ({ count: i, notes: [...b.notes, `n${i}`] }));
      await sync.refresh();
      expect(store.draft).toBe('half-typed note');
    }
    expect(store.count).toBe(30);
    expect(store.notes).toHaveLength(30);
  });

  it('sends nothing while snapshots arrive and exactly one write per local change', async () => {
    const store = useBoard();
    const sync = wire(store);
    let outbound = 0;
    sync.subscribeLocal(() => {
      outbound++;
      void board().set(sync.toSnapshot() as Board);
    });
    await sync.start();

    for (let i = 1; i <= 20; i++) {
      await board().update((b) => ({ ...b, count: b.count + 1 }));
      await sync.refresh();
      await nextTick();
    }
    expect(store.count).toBe(20);
    expect(outbound).toBe(0);

    store.increment();
    expect(outbound).toBe(1);
    // The write comes back as an invalidation and a snapshot; applying it sends nothing.
    await sync.refresh();
    await nextTick();
    await sync.refresh();
    expect(outbound).toBe(1);
    expect(sync.getLocalRevision()).toBe('21');
    expect((await board().get()).data.count).toBe(21);

    store.increment();
    store.notes.push('x');
    expect(outbound).toBe(3);
    await sync.refresh();
    await nextTick();
    expect(outbound).toBe(3);
    expect(store.$state).toMatchObject({ count: 22, notes: ['x'] });
  });

  it('reports the status as a ref that a watcher sees change', async () => {
    const store = useBoard();
    const sync = wire(store);
    const seen: string[] = [];
    watch(sync.status, (status) => seen.push(status), { flush: 'sync' });
    expect(sync.status.value).toBe('idle');
    await sync.start();
    expect(sync.status.value).toBe('synced');
    sync.stop();
    expect(seen).toStrictEqual(['syncing', 'synced', 'stopped']);
  });
});

describe('syncPiniaStore status and errors', () => {
  it('sets error and status "error" when a fetch fails, and clears it on the next status', async () => {
    const store = useOptionBoard();
    let fail = true;
    const transport = createMemoryTransport(source);
    const provider = transport.provider<Board>('board');
    const sync = syncPiniaStore(store, {
      topic: 'board',
      subscriber: transport.subscriber('board'),
      provider: {
        getSnapshot: () => (fail ? Promise.reject(new Error('offline')) : provider.getSnapshot()),
      },
      omit: ['draft'],
    });
    syncs.push(sync as never);
    await sync.start();
    expect(sync.status.value).toBe('error');
    expect((sync.error.value as { code?: string }).code).toBe('fetch_failed');
    const seen: [string, unknown][] = [];
    watch(sync.status, (status) => seen.push([status, sync.error.value]), { flush: 'sync' });
    fail = false;
    await sync.refresh();
    expect(seen).toStrictEqual([
      ['syncing', undefined],
      ['synced', undefined],
    ]);
  });

  it('keeps two Pinia instances apart: each store follows its own source', async () => {
    const other = createSource();
    other.topic<Board>('board', { initial: { count: 100, notes: [] } });
    const a = useOptionBoard(createPinia());
    const b = useOptionBoard(createPinia());
    const syncA = wire(a);
    const tb = createMemoryTransport(other);
    const syncB = syncPiniaStore(b, {
      topic: 'board',
      subscriber: tb.subscriber('board'),
      provider: tb.provider<Board>('board'),
    });
    await Promise.all([syncA.start(), syncB.start()]);
    expect([a.count, b.count]).toStrictEqual([0, 100]);
    syncB.stop();
    await other.close();
  });

  it('detaches from the source on stop and applies nothing afterwards', async () => {
    const store = useOptionBoard();
    const sync = wire(store);
    await sync.start();
    expect(source.listenerCount()).toBe(1);
    sync.stop();
    expect(source.listenerCount()).toBe(0);
    await board().set({ count: 9, notes: [] });
    await nextTick();
    expect(store.count).toBe(0);
    expect(sync.status.value).toBe('stopped');
  });
});
