import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../src/index';
import { open, tempPath } from './temp-store';

describe('mutation bounds', () => {
  it('forgets the least recently updated client beyond maxClients, and counts it', async () => {
    let clock = 1_000;
    const store = open({ path: ':memory:', mutations: { maxClients: 2 }, now: () => clock });
    await store.write('t', 1, undefined, { mutation: { clientId: 'a', seq: 1 } });
    clock++;
    await store.recordMutation('b', { seq: 1 });
    clock++;
    // a is updated again, so b is now the least recently updated.
    await store.write('t', 2, '1', { mutation: { clientId: 'a', seq: 2 } });
    clock++;
    await store.write('t', 3, '2', { mutation: { clientId: 'c', seq: 1 } });
    expect(await store.lastMutation('b')).toBeUndefined();
    expect(await store.lastMutation('a')).toStrictEqual({ seq: 2 });
    expect(await store.lastMutation('c')).toStrictEqual({ seq: 1 });
    expect(store.getMetrics().clientsEvicted).toBe(1);
  });

  it('holds maxClients under a flood of new clients', async () => {
    const store = open({ path: ':memory:', mutations: { maxClients: 10 } });
    for (let i = 0; i < 500; i++) await store.recordMutation(`client-${i}`, { seq: 1 });
    const rows = store.database.prepare('SELECT count(*) AS n FROM state_sync_mutations').get();
    expect(rows).toStrictEqual({ n: 10 });
    expect(store.getMetrics().clientsEvicted).toBe(490);
    expect(await store.lastMutation('client-499')).toStrictEqual({ seq: 1 });
  });

  it('forgets a client silent for ttlMs, so its old seq is accepted again', async () => {
    let clock = 0;
    const store = open({ path: ':memory:', mutations: { ttlMs: 1_000 }, now: () => clock });
    await store.write('t', 1, undefined, { mutation: { clientId: 'old', seq: 5 } });
    clock = 999;
    expect(await store.lastMutation('old')).toStrictEqual({ seq: 5 });
    clock = 1_000;
    expect(await store.lastMutation('old')).toBeUndefined();
    await store.recordMutation('new', { seq: 1 });
    expect(store.getMetrics().clientsEvicted).toBe(1);
    expect(await store.recordMutation('old', { seq: 1 })).toBe(true);
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => open({ path: ':memory:', mutations: { maxClients: 0 } })).toThrowError(
      /mutations\.maxClients/,
    );
    expect(() => open({ path: ':memory:', mutations: { ttlMs: 1.5 } })).toThrowError(
      /mutations\.ttlMs/,
    );
  });
});

describe('mutation arguments', () => {
  it('refuses a mark without a client or with a seq that is not a positive integer', async () => {
    const store = open({ path: ':memory:' });
    for (const mutation of [
      { clientId: '', seq: 1 },
      { clientId: 'c', seq: 0 },
      { clientId: 'c', seq: 1.5 },
      { clientId: 'c', seq: Number.NaN },
    ]) {
      await expect(store.write('t', 1, undefined, { mutation })).rejects.toMatchObject({
        code: 'invalid_argument',
      });
    }
    await expect(store.recordMutation('c', { seq: -1 })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    expect(await store.read('t')).toBeUndefined();
  });
});

// The tables exactly as schema 1 (the first release of @state-sync/sqlite) created them.
const SCHEMA_1 = `
  CREATE TABLE state_sync_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE state_sync_topics (
    topic TEXT PRIMARY KEY, revision TEXT NOT NULL, data TEXT NOT NULL,
    log_count INTEGER NOT NULL DEFAULT 0, log_bytes INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
  CREATE TABLE state_sync_deltas (
    id INTEGER PRIMARY KEY, topic TEXT NOT NULL, revision TEXT NOT NULL,
    ops TEXT NOT NULL, bytes INTEGER NOT NULL
  );
  CREATE INDEX state_sync_deltas_topic ON state_sync_deltas (topic, id);
  INSERT INTO state_sync_meta VALUES ('marker', '@state-sync/sqlite'), ('schema_version', '1'),
    ('epoch', 'epoch-of-v1');
  INSERT INTO state_sync_topics VALUES ('todos', '3', '["a","b"]', 1, 27);
  INSERT INTO state_sync_deltas (topic, revision, ops, bytes) VALUES
    ('todos', '3', '[{"op":"add","path":"/1","value":"b"}]', 27);
`;

describe('migration', () => {
  it('opens a schema-1 file, keeps its data, epoch and deltas, and adds mutation records', async () => {
    expect(SCHEMA_VERSION).toBe(2);
    const path = tempPath();
    const old = new BetterSqlite3(path);
    old.exec(SCHEMA_1);
    old.close();

    const store = open({ path });
    expect(await store.getEpoch()).toBe('epoch-of-v1');
    expect(await store.read('todos')).toMatchObject({ revision: '3', data: ['a', 'b'] });
    expect(await store.readSince('todos', 'epoch-of-v1', '2')).toStrictEqual([
      { revision: '3', ops: [{ op: 'add', path: '/1', value: 'b' }] },
    ]);
    expect(
      store.database
        .prepare("SELECT value FROM state_sync_meta WHERE key = 'schema_version'")
        .get(),
    ).toStrictEqual({ value: '2' });
    await store.write('todos', ['a'], '3', { mutation: { clientId: 'c', seq: 1 } });
    await store.close();

    const reopened = open({ path });
    expect(await reopened.lastMutation('c')).toStrictEqual({ seq: 1 });
    expect(await reopened.read('todos')).toMatchObject({ revision: '4', data: ['a'] });
  });
});
