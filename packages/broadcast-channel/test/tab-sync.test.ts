// createTabSync in Node: BroadcastChannel is global; Web Locks and IndexedDB come from the
// documented stand-ins (createMemoryLocks, fake-indexeddb), shared by the "tabs" of one test.
import type { RevisionSyncHandle, SnapshotEnvelope, SourceStore } from '@state-sync/core';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createIndexedDbStore,
  createMemoryLocks,
  createTabSync,
  type LockManagerLike,
  type TabSync,
  type TabSyncOptions,
} from '../src/index';
import { deferred, openWire, uniqueAppId } from './helpers';

type Notes = string[];
interface Tab {
  sync: TabSync;
  engine: RevisionSyncHandle;
  applied: SnapshotEnvelope<Notes>[];
  data(): Notes | undefined;
}

const open: TabSync[] = [];
afterEach(async () => {
  for (const tab of open.splice(0).reverse()) await tab.close();
});

const append = (_topic: string, current: unknown, op: unknown) => [
  ...((current as Notes | null) ?? []),
  op as string,
];

function world(overrides: Partial<TabSyncOptions> = {}) {
  const appId = uniqueAppId('tabs');
  const indexedDB = new IDBFactory();
  const locks: LockManagerLike = createMemoryLocks();
  const errors: unknown[] = [];
  async function tab(extra: Partial<TabSyncOptions> = {}): Promise<Tab> {
    const sync = createTabSync({
      appId,
      locks,
      indexedDB,
      reducer: append,
      initial: { notes: [] },
      onError: (e) => errors.push(e),
      ...overrides,
      ...extra,
    });
    open.push(sync);
    const applied: SnapshotEnvelope<Notes>[] = [];
    const engine = sync.sync<Notes>('notes', {
      applier: (envelope) => void applied.push(envelope),
    });
    await engine.start();
    return { sync, engine, applied, data: () => applied.at(-1)?.data };
  }
  return { appId, indexedDB, locks, errors, tab };
}

describe('createTabSync', () => {
  it('elects exactly one host, and a change made in any tab reaches every tab', async () => {
    const w = world();
    const tabs = [await w.tab(), await w.tab(), await w.tab()];
    await vi.waitFor(() => expect(tabs.map((t) => t.sync.isHost())).toEqual([true, false, false]));
    await tabs[2]!.sync.mutateOp('notes', 'from tab 2');
    for (const t of tabs) await vi.waitFor(() => expect(t.data()).toEqual(['from tab 2']));
    expect(w.errors).toEqual([]);
  });

  it('when the host tab closes, the next tab hosts with the same epoch and nothing is lost', async () => {
    const w = world();
    const tabs = [await w.tab(), await w.tab(), await w.tab()];
    await tabs[1]!.sync.mutateOp('notes', 'before');
    for (const t of tabs) await vi.waitFor(() => expect(t.data()).toEqual(['before']));
    const epoch = tabs[1]!.engine.getEpoch();
    const roles: boolean[] = [];
    tabs[1]!.sync.onRoleChange((isHost) => roles.push(isHost));

    await tabs[0]!.sync.close();
    await vi.waitFor(() => expect(tabs[1]!.sync.isHost()).toBe(true));
    expect(roles).toEqual([true]);
    await tabs[2]!.sync.mutateOp('notes', 'after');
    for (const t of tabs.slice(1)) {
      await vi.waitFor(() => expect(t.data()).toEqual(['before', 'after']));
      expect(t.engine.getEpoch()).toBe(epoch);
      expect(t.engine.getLocalRevision()).toBe('2');
      expect(t.engine.getMetrics().protocolErrors + t.engine.getMetrics().getSnapshotErrors).toBe(
        0,
      );
    }
    // A tab opened after the failover starts from the persisted state.
    const late = await w.tab();
    expect(late.data()).toEqual(['before', 'after']);
    expect(w.errors).toEqual([]);
  });

  it('a write the dead host never stored is retried against the new host and applied once', async () => {
    const w = world();
    const entered = deferred();
    const gate = deferred();
    const hostStore = (): SourceStore => {
      const inner = createIndexedDbStore({
        dbName: `state-sync:${w.appId}`,
        indexedDB: w.indexedDB,
      });
      return {
        ...inner,
        write: async (...args) => {
          entered.resolve();
          await gate.promise;
          return inner.write(...args);
        },
      };
    };
    const host = await w.tab({ store: hostStore });
    const writer = await w.tab();
    const written = writer.sync.mutateOp<Notes>('notes', 'in flight');
    written.catch(() => {}); // awaited below; keeps a failing assertion from leaving it unhandled
    await entered.promise;
    await host.sync.close(); // dies with the write held before the store
    gate.resolve();
    await expect(written).resolves.toMatchObject({ revision: '1', data: ['in flight'] });
    expect(writer.sync.isHost()).toBe(true);
    expect(writer.sync.client.getMetrics().resent).toBe(1);
    await vi.waitFor(() => expect(writer.data()).toEqual(['in flight']));
  });

  it('a write the dead host stored but never acknowledged is not applied twice by the new host', async () => {
    const w = world();
    const stored = deferred();
    const hold = deferred();
    const hostStore = (): SourceStore => {
      const inner = createIndexedDbStore({
        dbName: `state-sync:${w.appId}`,
        indexedDB: w.indexedDB,
      });
      return {
        ...inner,
        write: async (...args) => {
          const record = await inner.write(...args);
          stored.resolve();
          await hold.promise; // stored, but the host dies before it can acknowledge
          return record;
        },
      };
    };
    const host = await w.tab({ store: hostStore });
    const writer = await w.tab();
    const written = writer.sync.mutateOp<Notes>('notes', 'exactly once');
    written.catch(() => {});
    await stored.promise;
    await host.sync.close();
    await expect(written).resolves.toMatchObject({ revision: '1', data: ['exactly once'] });
    hold.resolve();
    await vi.waitFor(() => expect(writer.data()).toEqual(['exactly once']));
    expect(writer.engine.getLocalRevision()).toBe('1');
  });

  it('a tab does not refetch for its own change: the ack brings the state, and it ends on that revision', async () => {
    const w = world();
    const host = await w.tab();
    const writer = await w.tab();
    const wire = openWire(w.appId);
    const written = await writer.sync.mutateOp<Notes>('notes', 'mine');
    await vi.waitFor(() => expect(writer.data()).toEqual(['mine']));
    await vi.waitFor(() => expect(host.data()).toEqual(['mine']));
    expect(writer.engine.getLocalRevision()).toBe(written.revision);
    expect(writer.sync.client.getMetrics().servedFromAck).toBe(1);
    expect(wire.of('get', writer.sync.id)).toEqual([]);
    // The other tab needs no pull either: the small state rode on the invalidation.
    expect(wire.of('get', host.sync.id)).toEqual([]);
    expect(host.sync.client.getMetrics().pushed).toBe(1);
    expect(wire.of('invalidate')[0]).toMatchObject({
      sourceId: writer.sync.id,
      data: ['mine'],
    });
  });

  it('own writes interleaved with other tabs’ end every tab on the final revision', async () => {
    const w = world();
    const tabs = [await w.tab(), await w.tab(), await w.tab()];
    const writes = [];
    for (let i = 0; i < 10; i++) writes.push(tabs[i % 3]!.sync.mutateOp('notes', `w${i}`));
    await Promise.all(writes);
    for (const t of tabs) {
      await vi.waitFor(() => expect(t.engine.getLocalRevision()).toBe('10'));
      expect(t.data()).toHaveLength(10);
    }
  });

  it('needs Web Locks: without navigator.locks or options.locks it throws unavailable', () => {
    expect(() =>
      createTabSync({ appId: 'x', locks: undefined as unknown as LockManagerLike }),
    ).toThrow(expect.objectContaining({ code: 'unavailable' }));
  });

  it('close() is idempotent and leaves no engine running', async () => {
    const w = world();
    const t = await w.tab();
    await t.sync.close();
    await t.sync.close();
    expect(t.engine.getStatus()).toBe('stopped');
    expect(t.sync.isHost()).toBe(false);
  });
});

describe('import', () => {
  it('touches no BroadcastChannel, navigator or indexedDB', async () => {
    const touched: string[] = [];
    const names = ['BroadcastChannel', 'navigator', 'indexedDB'] as const;
    const saved = names.map((name) => Object.getOwnPropertyDescriptor(globalThis, name));
    for (const name of names) {
      Object.defineProperty(globalThis, name, {
        configurable: true,
        get: () => {
          touched.push(name);
          return undefined;
        },
      });
    }
    try {
      vi.resetModules();
      const module = await import('../src/index');
      expect(typeof module.createTabSync).toBe('function');
    } finally {
      names.forEach((name, i) => {
        const descriptor = saved[i];
        if (descriptor) Object.defineProperty(globalThis, name, descriptor);
        else delete (globalThis as Record<string, unknown>)[name];
      });
    }
    expect(touched).toEqual([]);
  });
});
