import {
  createMemoryTransport,
  createRevisionSync,
  createSource,
  type StateSyncError,
  type SyncErrorContext,
} from '@state-sync/core';
import { describe, expect, it, vi } from 'vitest';
import { createJSONStorage, devtools, persist, subscribeWithSelector } from 'zustand/middleware';
import { createStore } from 'zustand/vanilla';
import { createZustandApplier } from '../src/index';
import { type BoardState, createHookBoard, createVanillaBoard, envelope } from './stores';

describe.each([
  ['zustand/vanilla store', createVanillaBoard],
  ['React hook store', createHookBoard],
] as const)('createZustandApplier with a %s', (_kind, createBoard) => {
  it('replaces the synced part with setState(…, true): a synced key the snapshot lacks is removed', () => {
    const store = createBoard();
    store.getState().addNote('old');
    const setState = vi.spyOn(store, 'setState');
    const applier = createZustandApplier(store, { omit: ['draft'] });
    applier.apply(envelope('1', { count: 5 }));
    expect(store.getState().count).toBe(5);
    expect('notes' in store.getState()).toBe(false);
    expect(setState.mock.calls[0]?.[1]).toBe(true);
  });

  it('patches with setState(…, false): keys the snapshot does not own keep their values', () => {
    const store = createBoard();
    store.getState().addNote('kept');
    const setState = vi.spyOn(store, 'setState');
    const applier = createZustandApplier(store, { mode: 'patch' });
    applier.apply(envelope('1', { count: 5 }));
    expect(store.getState()).toMatchObject({ count: 5, notes: ['kept'] });
    expect(setState.mock.calls[0]?.[1]).toBe(false);
  });

  it('patches with only the top-level slices that changed: a delta leaves the others as they are', () => {
    const store = createBoard();
    const applier = createZustandApplier(store, { mode: 'patch', omit: ['draft'] });
    const notes = ['same array in both snapshots'];
    applier.apply(envelope('1', { count: 1, notes }));
    const setState = vi.spyOn(store, 'setState');
    applier.apply(envelope('2', { count: 2, notes }));
    expect(setState.mock.calls[0]?.[0]).toStrictEqual({ count: 2 });
    expect(store.getState()).toMatchObject({ count: 2, notes });
  });

  it('keeps actions callable in both modes, even when a snapshot carries a key of the same name', () => {
    for (const mode of ['replace', 'patch'] as const) {
      const store = createBoard();
      createZustandApplier(store, { mode }).apply(
        envelope('1', { count: 1, notes: [], draft: '', increment: 'not a function' } as never),
      );
      store.getState().increment();
      expect(store.getState().count).toBe(2);
    }
  });

  it('keeps omitted keys even when the snapshot carries them', () => {
    const store = createBoard();
    store.setState({ draft: 'typing' });
    createZustandApplier(store, { omit: ['draft'] }).apply(
      envelope('1', { count: 1, notes: ['a'], draft: 'from server' }),
    );
    expect(store.getState()).toMatchObject({ count: 1, notes: ['a'], draft: 'typing' });
  });

  it('writes only picked keys and never removes the others', () => {
    const store = createBoard();
    store.setState({ draft: 'typing', notes: ['local'] });
    createZustandApplier(store, { pick: ['count'] }).apply(
      envelope('1', { count: 3, notes: ['ignored'], draft: 'ignored' }),
    );
    expect(store.getState()).toMatchObject({ count: 3, notes: ['local'], draft: 'typing' });
  });

  it('maps the snapshot with toState and back with fromState', () => {
    const store = createBoard();
    const applier = createZustandApplier(store, {
      pick: ['count', 'notes'],
      toState: (data: { total: number; items: string[] }) => ({
        count: data.total,
        notes: data.items,
      }),
      fromState: (state) => ({ total: state.count ?? 0, items: state.notes ?? [] }),
    });
    applier.apply(envelope('1', { total: 7, items: ['x'] }));
    expect(store.getState().count).toBe(7);
    expect(applier.toSnapshot()).toStrictEqual({ total: 7, items: ['x'] });
  });

  it('sends only data from toSnapshot: no actions, no local keys', () => {
    const store = createBoard();
    store.setState({ draft: 'typing' });
    expect(createZustandApplier(store, { omit: ['draft'] }).toSnapshot()).toStrictEqual({
      count: 0,
      notes: [],
    });
  });

  it('notifies subscribers once per snapshot', () => {
    const store = createBoard();
    const listener = vi.fn();
    store.subscribe(listener);
    const applier = createZustandApplier(store, { omit: ['draft'] });
    applier.apply(envelope('1', { count: 1, notes: ['a'] }));
    applier.apply(envelope('2', { count: 2, notes: [] }));
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('never lets a __proto__ key from a parsed snapshot reach the state', () => {
    for (const mode of ['replace', 'patch'] as const) {
      const store = createBoard();
      createZustandApplier(store, { mode }).apply(
        envelope('1', JSON.parse('{"count":1,"__proto__":{"polluted":true}}')),
      );
      expect(store.getState().count).toBe(1);
      expect(Object.getPrototypeOf(store.getState())).toBe(Object.prototype);
    }
  });
});

describe('createZustandApplier with middleware', () => {
  it('accepts a store wrapped in devtools and subscribeWithSelector, naming its change for devtools', () => {
    const store = createStore<{ count: number; ui: boolean }>()(
      devtools(
        subscribeWithSelector(() => ({ count: 0, ui: true as boolean })),
        { enabled: false },
      ),
    );
    const setState = vi.spyOn(store, 'setState');
    const seen: number[] = [];
    store.subscribe(
      (s) => s.count,
      (count) => seen.push(count),
    );
    createZustandApplier(store, { omit: ['ui'] }).apply(envelope('1', { count: 4 }));
    expect(seen).toStrictEqual([4]);
    expect(store.getState()).toStrictEqual({ count: 4, ui: true });
    expect(setState.mock.calls[0]?.[2]).toBe('@state-sync/apply');
  });
  it('accepts a persisted store, whose storage then holds the applied state', () => {
    const saved = new Map<string, string>();
    const storage = {
      getItem: (key: string) => saved.get(key) ?? null,
      setItem: (key: string, value: string) => void saved.set(key, value),
      removeItem: (key: string) => void saved.delete(key),
    };
    const store = createStore<{ count: number; draft: string }>()(
      persist(() => ({ count: 0, draft: 'typing' }), {
        name: 'board',
        storage: createJSONStorage(() => storage),
      }),
    );
    createZustandApplier(store, { omit: ['draft'] }).apply(envelope('1', { count: 6 }));
    expect(store.getState()).toStrictEqual({ count: 6, draft: 'typing' });
    expect(JSON.parse(saved.get('board') ?? '{}').state).toStrictEqual({
      count: 6,
      draft: 'typing',
    });
  });
});

describe('createZustandApplier arguments and bad data', () => {
  it('rejects pick and omit together with invalid_argument', () => {
    expect(() =>
      createZustandApplier(createVanillaBoard(), { pick: ['count'], omit: ['draft'] }),
    ).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });

  it('reports data that is not an object through onError (phase apply) and leaves the store as it was', async () => {
    const store = createVanillaBoard();
    store.setState({ count: 4 });
    const source = createSource();
    source.topic('board', { initial: 42 });
    const transport = createMemoryTransport(source);
    const errors: SyncErrorContext[] = [];
    const sync = createRevisionSync<BoardState>({
      topic: 'board',
      subscriber: transport.subscriber('board'),
      provider: transport.provider('board'),
      applier: createZustandApplier(store),
      onError: (context) => errors.push(context),
    });
    await sync.start();
    expect(errors.map((e) => e.phase)).toStrictEqual(['apply']);
    const error = errors[0]?.error as { cause?: StateSyncError } | undefined;
    expect(error?.cause?.code).toBe('invalid_snapshot');
    expect(store.getState().count).toBe(4);
    sync.stop();
    await source.close();
  });
});
