import {
  createMemoryTransport,
  createRevisionSync,
  createSource,
  StateSyncError,
  type SyncErrorContext,
} from '@state-sync/core';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPiniaApplier } from '../src/index';
import { envelope, useOptionBoard, useSetupBoard } from './stores';

beforeEach(() => {
  setActivePinia(createPinia());
});

const kinds = [
  ['option store', useOptionBoard],
  ['setup store', useSetupBoard],
] as const;

describe.each(kinds)('createPiniaApplier with a %s', (_kind, useBoard) => {
  it('replaces the synced part: a synced key the snapshot lacks becomes undefined', () => {
    const store = useBoard();
    store.notes = ['old'];
    const applier = createPiniaApplier(store, { omit: ['draft'] });
    applier.apply(envelope('1', { count: 5 }));
    expect(store.count).toBe(5);
    expect(store.notes).toBeUndefined();
  });

  it.each(['patch', 'replace'] as const)(
    'writes only the keys whose value changed (%s mode): a delta leaves untouched slices as they are',
    (mode) => {
      const store = useBoard();
      const applier = createPiniaApplier(store, { mode, omit: ['draft'] });
      const notes = ['same array in both snapshots'];
      applier.apply(envelope('1', { count: 1, notes }));
      const written: string[] = [];
      const patch = store.$patch.bind(store);
      vi.spyOn(store, '$patch').mockImplementation((mutate: unknown) =>
        patch((state) =>
          (mutate as (draft: object) => void)(
            new Proxy(state, {
              set: (target, key, value) => {
                written.push(String(key));
                return Reflect.set(target, key, value);
              },
            }),
          ),
        ),
      );
      applier.apply(envelope('2', { count: 2, notes }));
      expect(written).toStrictEqual(['count']);
      expect(store.count).toBe(2);
      expect(store.notes).toStrictEqual(notes);
    },
  );

  it('patches: keys the snapshot does not own keep their values', () => {
    const store = useBoard();
    store.notes = ['kept'];
    const applier = createPiniaApplier(store, { mode: 'patch' });
    applier.apply(envelope('1', { count: 5 }));
    expect(store.count).toBe(5);
    expect(store.notes).toStrictEqual(['kept']);
  });

  it('keeps omitted keys even when the snapshot carries them', () => {
    const store = useBoard();
    store.draft = 'typing';
    const applier = createPiniaApplier(store, { omit: ['draft'] });
    applier.apply(envelope('1', { count: 1, notes: ['a'], draft: 'from server' }));
    expect(store.$state).toStrictEqual({ count: 1, notes: ['a'], draft: 'typing' });
  });

  it('writes only picked keys and never clears the others', () => {
    const store = useBoard();
    store.draft = 'typing';
    store.notes = ['local'];
    const applier = createPiniaApplier(store, { pick: ['count'] });
    applier.apply(envelope('1', { count: 3, notes: ['ignored'], draft: 'ignored' }));
    expect(store.$state).toStrictEqual({ count: 3, notes: ['local'], draft: 'typing' });
  });

  it('maps the snapshot with toState and back with fromState', () => {
    const store = useBoard();
    const applier = createPiniaApplier(store, {
      pick: ['count', 'notes'],
      toState: (data: { total: number; items: string[] }) => ({
        count: data.total,
        notes: data.items,
      }),
      fromState: (state) => ({ total: state.count ?? 0, items: state.notes ?? [] }),
    });
    applier.apply(envelope('1', { total: 7, items: ['x'] }));
    expect(store.count).toBe(7);
    expect(applier.toSnapshot()).toStrictEqual({ total: 7, items: ['x'] });
  });

  it('shows devtools and plugins exactly one "patch function" mutation per snapshot', () => {
    const store = useBoard();
    const mutations: string[] = [];
    store.$subscribe((mutation) => mutations.push(mutation.type), { flush: 'sync' });
    const applier = createPiniaApplier(store, { omit: ['draft'] });
    applier.apply(envelope('1', { count: 1, notes: ['a', 'b'] }));
    applier.apply(envelope('2', { count: 2, notes: [] }));
    expect(mutations).toStrictEqual(['patch function', 'patch function']);
  });

  it('skips its own patches in subscribeLocal but reports a local edit made in the same tick', () => {
    const store = useBoard();
    const applier = createPiniaApplier(store, { omit: ['draft'] });
    const sent: number[] = [];
    applier.subscribeLocal(() => sent.push(store.count));
    applier.apply(envelope('1', { count: 5, notes: [] }));
    // Pinia mutes 'pre'/'post' subscribers until the next tick after a $patch: this edit would
    // be lost to them, so subscribeLocal always runs with flush 'sync'.
    store.count++;
    expect(sent).toStrictEqual([6]);
  });

  it('returns plain data from toSnapshot, which structuredClone and JSON accept', () => {
    const store = useBoard();
    store.notes.push('n');
    const applier = createPiniaApplier(store, { omit: ['draft'] });
    const snapshot = applier.toSnapshot();
    expect(structuredClone(snapshot)).toStrictEqual({ count: 0, notes: ['n'] });
  });

  it('never lets a __proto__ key from a parsed snapshot reach the state', () => {
    const store = useBoard();
    const applier = createPiniaApplier(store, { mode: 'patch' });
    applier.apply(envelope('1', JSON.parse('{"count":1,"__proto__":{"polluted":true}}')));
    expect(store.count).toBe(1);
    expect(Object.getPrototypeOf(store.$state)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('createPiniaApplier arguments and bad data', () => {
  it('rejects pick and omit together with invalid_argument', () => {
    const store = useOptionBoard();
    expect(() => createPiniaApplier(store, { pick: ['count'], omit: ['draft'] })).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
  });

  it('rejects something that is not a store with invalid_argument', () => {
    expect(() => createPiniaApplier({} as never)).toThrow(StateSyncError);
  });

  it('throws invalid_snapshot for data that is not an object, so the engine reports it', () => {
    const store = useOptionBoard();
    const applier = createPiniaApplier(store);
    expect(() => applier.apply(envelope('1', [1, 2] as never))).toThrow(
      expect.objectContaining({ code: 'invalid_snapshot' }),
    );
  });

  it('reports a bad snapshot through onError (phase apply) and leaves the store as it was', async () => {
    const store = useOptionBoard();
    store.count = 4;
    const source = createSource();
    source.topic('board', { initial: 'not an object' });
    const transport = createMemoryTransport(source);
    const errors: SyncErrorContext[] = [];
    const sync = createRevisionSync({
      topic: 'board',
      subscriber: transport.subscriber('board'),
      provider: transport.provider('board'),
      applier: createPiniaApplier(store),
      onError: (context) => errors.push(context),
    });
    await sync.start();
    expect(errors.map((e) => e.phase)).toStrictEqual(['apply']);
    const error = errors[0]?.error as { cause?: StateSyncError } | undefined;
    expect(error?.cause?.code).toBe('invalid_snapshot');
    expect(store.count).toBe(4);
    expect(sync.getStatus()).toBe('error');
    sync.stop();
  });
});

describe('several Pinia instances (SSR: one per request)', () => {
  it('writes only into the store of the Pinia it was given', () => {
    const first = createPinia();
    const second = createPinia();
    const a = useOptionBoard(first);
    const b = useOptionBoard(second);
    createPiniaApplier(a).apply(envelope('1', { count: 10 }));
    createPiniaApplier(b, { mode: 'patch' }).apply(envelope('1', { count: 20 }));
    expect([a.count, b.count]).toStrictEqual([10, 20]);
    expect(b.notes).toStrictEqual([]);
  });
});
