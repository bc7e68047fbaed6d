// The IndexedDB store's `mutations` capability: the last processed mutation per client, written in
// the transaction of the state, bounded by client count and TTL, kept across a version upgrade.
import { createMutationHandler, createSource } from '@state-sync/core';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createIndexedDbStore } from '../src/index';
import { mutators } from './write-fixtures';

describe('createIndexedDbStore mutations', () => {
  it('records the seq of a write in the same step and refuses a write whose seq is not above it', async () => {
    const store = createIndexedDbStore({ dbName: 'app', indexedDB: new IDBFactory() });
    const mark = (seq: number) => ({ mutation: { clientId: 'c', seq } });
    expect(await store.write('t', 'a', undefined, mark(1))).toMatchObject({ revision: '1' });
    expect(await store.lastMutation('c')).toStrictEqual({ seq: 1 });
    // A resend of seq 1 racing its original: refused, nothing written.
    expect(await store.write('t', 'again', '1', mark(1))).toBeUndefined();
    expect(await store.read('t')).toMatchObject({ revision: '1', data: 'a' });
    expect(await store.write('t', 'b', '1', mark(2))).toMatchObject({ revision: '2' });
    expect(store.getMetrics()).toMatchObject({ writes: 2, conflicts: 1 });
    await store.close();
  });

  it('records a refusal with its code and message, only when the seq is new', async () => {
    const store = createIndexedDbStore({ dbName: 'app', indexedDB: new IDBFactory() });
    const rejection = { code: 'not_found', message: 'gone' };
    expect(await store.recordMutation('c', { seq: 1, rejection })).toBe(true);
    expect(await store.lastMutation('c')).toStrictEqual({ seq: 1, rejection });
    expect(await store.recordMutation('c', { seq: 1 })).toBe(false);
    expect(await store.lastMutation('unknown')).toBeUndefined();
    await store.close();
  });

  it('forgets the least recently written client beyond maxClients, and counts it', async () => {
    const store = createIndexedDbStore({
      dbName: 'app',
      indexedDB: new IDBFactory(),
      mutations: { maxClients: 2 },
      now: (() => {
        let t = 0;
        return () => ++t;
      })(),
    });
    let revision: string | undefined;
    for (const clientId of ['a', 'b', 'c']) {
      revision = (await store.write('t', clientId, revision, { mutation: { clientId, seq: 1 } }))
        ?.revision;
    }
    expect(await store.lastMutation('a')).toBeUndefined();
    expect(await store.lastMutation('b')).toStrictEqual({ seq: 1 });
    expect(await store.lastMutation('c')).toStrictEqual({ seq: 1 });
    expect(store.getMetrics().clientsEvicted).toBe(1);
    await store.close();
  });

  it('forgets a client silent for longer than ttlMs', async () => {
    let now = 1_000;
    const store = createIndexedDbStore({
      dbName: 'app',
      indexedDB: new IDBFactory(),
      mutations: { ttlMs: 100 },
      now: () => now,
    });
    await store.recordMutation('old', { seq: 3 });
    now += 100;
    expect(await store.lastMutation('old')).toBeUndefined();
    await store.recordMutation('new', { seq: 1 });
    expect(store.getMetrics().clientsEvicted).toBe(1);
    // Forgotten: any seq is new to the store again (the handler answers unknown_client for seq > 1).
    expect(await store.recordMutation('old', { seq: 3 })).toBe(true);
    await store.close();
  });

  it('rejects a bound that is not a positive integer', () => {
    expect(() =>
      createIndexedDbStore({ dbName: 'app', mutations: { maxClients: 0 } }),
    ).toThrowError(/maxClients/);
  });

  it('upgrades a version 1 database in place, keeping its epoch and records', async () => {
    const indexedDB = new IDBFactory();
    // A database as version 1 of the store left it: topics and meta, no clients.
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open('app', 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore('topics');
        request.result.createObjectStore('meta');
      };
      request.onsuccess = () => {
        const db = request.result;
        const tx = db.transaction(['topics', 'meta'], 'readwrite');
        tx.objectStore('meta').put('E1', 'epoch');
        tx.objectStore('topics').put(
          { epoch: 'E1', revision: '4', data: ['x'], mutations: ['m1'] },
          'todos',
        );
        tx.oncomplete = () => {
          db.close();
          resolve();
        };
      };
      request.onerror = () => reject(request.error);
    });
    const store = createIndexedDbStore({ dbName: 'app', indexedDB });
    expect(await store.getEpoch()).toBe('E1');
    expect(await store.read('todos')).toStrictEqual({ epoch: 'E1', revision: '4', data: ['x'] });
    expect(await store.hasMutation('todos', 'm1')).toBe(true);
    expect(
      await store.write('todos', ['x', 'y'], '4', { mutation: { clientId: 'c', seq: 1 } }),
    ).toMatchObject({ revision: '5' });
    expect(await store.lastMutation('c')).toStrictEqual({ seq: 1 });
    await store.close();
  });

  it('makes a mutation applied by one host a duplicate for the next host on the same database', async () => {
    const indexedDB = new IDBFactory();
    const request = {
      topic: 'todos',
      name: 'addTodo',
      args: { id: 'a', text: 'x' },
      clientId: 'c',
      seq: 1,
    };
    const first = createSource({ store: createIndexedDbStore({ dbName: 'app', indexedDB }) });
    expect(
      await createMutationHandler({ source: first, mutators }).apply(request),
    ).not.toHaveProperty('duplicate');
    await first.close();
    const second = createSource({ store: createIndexedDbStore({ dbName: 'app', indexedDB }) });
    expect(await createMutationHandler({ source: second, mutators }).apply(request)).toMatchObject({
      duplicate: true,
      lastAppliedSeq: 1,
    });
    expect((await second.topic('todos').get()).data).toHaveLength(1);
    await second.close();
  });
});
