// createIndexedDbStore against fake-indexeddb, a complete in-memory IndexedDB for Node (the
// documented stand-in; the real one runs in the browser test).
import { createSource } from '@state-sync/core';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createIndexedDbStore } from '../src/index';

describe('createIndexedDbStore', () => {
  it('keeps its epoch and records across instances on the same database', async () => {
    const indexedDB = new IDBFactory();
    const first = createIndexedDbStore({ dbName: 'app', indexedDB });
    const epoch = await first.getEpoch();
    await first.write('counter', { n: 1 }, undefined);
    await first.close();
    const second = createIndexedDbStore({ dbName: 'app', indexedDB });
    expect(await second.getEpoch()).toBe(epoch);
    expect(await second.read('counter')).toEqual({ epoch, revision: '1', data: { n: 1 } });
    await second.close();
  });

  it('two instances racing to create the epoch agree on one', async () => {
    const indexedDB = new IDBFactory();
    const a = createIndexedDbStore({ dbName: 'app', indexedDB });
    const b = createIndexedDbStore({ dbName: 'app', indexedDB });
    const [ea, eb] = await Promise.all([a.getEpoch(), b.getEpoch()]);
    expect(ea).toBe(eb);
    await Promise.all([a.close(), b.close()]);
  });

  it('writes only when the topic is still at the expected revision', async () => {
    const store = createIndexedDbStore({ dbName: 'app', indexedDB: new IDBFactory() });
    expect(await store.write('t', 'a', undefined)).toMatchObject({ revision: '1', data: 'a' });
    expect(await store.write('t', 'b', undefined)).toBeUndefined();
    expect(await store.write('t', 'b', '1')).toMatchObject({ revision: '2', data: 'b' });
    expect(await store.write('t', 'c', '1')).toBeUndefined();
    expect(await store.read('t')).toMatchObject({ revision: '2', data: 'b' });
    await store.close();
  });

  it('remembers the ids of the last mutations written, up to ledgerSize', async () => {
    const store = createIndexedDbStore({
      dbName: 'app',
      indexedDB: new IDBFactory(),
      ledgerSize: 2,
    });
    let revision: string | undefined;
    for (const mutationId of ['m1', 'm2', 'm3']) {
      revision = (await store.write('t', mutationId, revision, { mutationId }))!.revision;
    }
    expect(await store.hasMutation('t', 'm1')).toBe(false);
    expect(await store.hasMutation('t', 'm2')).toBe(true);
    expect(await store.hasMutation('t', 'm3')).toBe(true);
    expect(await store.hasMutation('other', 'm3')).toBe(false);
    await store.close();
  });

  it('serves as a core Source store', async () => {
    const source = createSource({
      store: createIndexedDbStore({ dbName: 'app', indexedDB: new IDBFactory() }),
    });
    await source.topic<number | null>('t').update((n) => (n ?? 0) + 1);
    await source.topic<number | null>('t').update((n) => (n ?? 0) + 1);
    expect(await source.topic('t').get()).toMatchObject({ revision: '2', data: 2 });
    await source.close();
  });

  it('fails with unavailable when there is no IndexedDB, and with closed after close()', async () => {
    const missing = createIndexedDbStore({ dbName: 'app' });
    await expect(missing.getEpoch()).rejects.toMatchObject({ code: 'unavailable' });
    const store = createIndexedDbStore({ dbName: 'app', indexedDB: new IDBFactory() });
    await store.close();
    await expect(store.read('t')).rejects.toMatchObject({ code: 'closed' });
  });

  it('keeps a bounded delta log that readSince answers from, and restarts it on a write without ops', async () => {
    const store = createIndexedDbStore({
      dbName: 'app',
      indexedDB: new IDBFactory(),
      deltaLog: { maxEntries: 3 },
    });
    const epoch = await store.getEpoch();
    await store.write('t', { n: 0 }, undefined);
    for (let n = 1; n <= 4; n++) {
      const ops = [{ op: 'replace', path: '/n', value: n }];
      await store.write('t', { n }, String(n), { delta: ops });
    }
    expect(await store.readSince('t', epoch, '3')).toEqual([
      { revision: '4', ops: [{ op: 'replace', path: '/n', value: 3 }] },
      { revision: '5', ops: [{ op: 'replace', path: '/n', value: 4 }] },
    ]);
    expect(await store.readSince('t', epoch, '5')).toEqual([]);
    expect(await store.readSince('t', epoch, '1')).toBeUndefined(); // 4 behind, 3 kept
    expect(await store.readSince('t', 'other-epoch', '4')).toBeUndefined();
    await store.write('t', { n: 9 }, '5'); // no ops: the chain is broken
    expect(await store.readSince('t', epoch, '5')).toBeUndefined();
    expect(await store.readSince('t', epoch, '6')).toEqual([]);
    await store.close();
  });
});
