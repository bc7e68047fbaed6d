import { writeFileSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createSqliteStore, SCHEMA_VERSION } from '../src/index';
import { open, tempPath } from './temp-store';

describe('opening a file', () => {
  it('uses WAL and the synchronous level asked for (FULL by default)', () => {
    const path = tempPath();
    const store = open({ path });
    expect(store.database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.database.pragma('synchronous', { simple: true })).toBe(2); // FULL
    const normal = open({ path, synchronous: 'NORMAL' });
    expect(normal.database.pragma('synchronous', { simple: true })).toBe(1);
  });

  it('refuses a file that is not an SQLite database', () => {
    const path = tempPath();
    writeFileSync(path, 'this is a text file, not a database '.repeat(100));
    expect(() => open({ path })).toThrowError(expect.objectContaining({ code: 'not_a_database' }));
  });

  it('refuses a database whose state_sync tables it did not write', () => {
    const path = tempPath();
    const db = new BetterSqlite3(path);
    db.exec('CREATE TABLE state_sync_topics (id INTEGER)');
    db.close();
    expect(() => open({ path })).toThrowError(expect.objectContaining({ code: 'foreign_schema' }));
    const other = tempPath();
    const db2 = new BetterSqlite3(other);
    db2.exec(
      "CREATE TABLE state_sync_meta (key TEXT, value TEXT); INSERT INTO state_sync_meta VALUES ('x', 'y')",
    );
    db2.close();
    expect(() => open({ path: other })).toThrowError(
      expect.objectContaining({ code: 'foreign_schema' }),
    );
  });

  it('refuses a file written by a newer version, naming both schema versions', async () => {
    const path = tempPath();
    await createSqliteStore({ path }).close();
    const db = new BetterSqlite3(path);
    db.prepare("UPDATE state_sync_meta SET value = ? WHERE key = 'schema_version'").run(
      String(SCHEMA_VERSION + 1),
    );
    db.close();
    expect(() => open({ path })).toThrowError(
      expect.objectContaining({
        code: 'schema_too_new',
        message: expect.stringContaining(`schema ${SCHEMA_VERSION + 1}`),
      }),
    );
  });

  it("shares a database with the app's own tables and leaves it open on close()", async () => {
    const database = new BetterSqlite3(':memory:');
    database.exec('CREATE TABLE app_users (name TEXT)');
    const store = createSqliteStore({ database });
    await store.write('t', 1, undefined);
    const epoch = await store.getEpoch();
    await store.close();
    expect(database.open).toBe(true);
    const again = createSqliteStore({ database });
    expect(await again.getEpoch()).toBe(epoch);
    expect(await again.read('t')).toMatchObject({ revision: '1', data: 1 });
    expect(database.prepare('SELECT count(*) AS n FROM app_users').get()).toEqual({ n: 0 });
    database.close();
  });

  it('rejects bad options with invalid_argument', () => {
    const path = tempPath();
    for (const options of [
      {},
      { path: '' },
      { path, database: new BetterSqlite3(':memory:') },
      { database: {} as never },
      { path, synchronous: 'OFF' as never },
      { path, busyTimeoutMs: -1 },
      { path, deltaLog: { maxBytes: -1 } },
    ]) {
      expect(() => open(options), JSON.stringify(Object.keys(options))).toThrowError(
        expect.objectContaining({ code: 'invalid_argument' }),
      );
    }
  });
});

describe('reading and writing', () => {
  it('refuses data that cannot be stored as JSON, writing nothing', async () => {
    const store = open({ path: ':memory:' });
    for (const data of [undefined, () => {}, 1n]) {
      await expect(store.write('t', data, undefined)).rejects.toMatchObject({
        code: 'invalid_data',
      });
    }
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    await expect(store.write('t', cycle, undefined)).rejects.toMatchObject({
      code: 'invalid_data',
    });
    expect(await store.read('t')).toBeUndefined();
  });

  it('reports a row damaged outside the store as corrupt, naming the topic', async () => {
    const store = open({ path: ':memory:' });
    await store.write('t', { ok: true }, undefined);
    store.database.prepare("UPDATE state_sync_topics SET data = '{broken' WHERE topic = 't'").run();
    await expect(store.read('t')).rejects.toMatchObject({
      code: 'corrupt',
      message: expect.stringContaining('"t"'),
    });
  });

  it('rejects every call after close() with closed', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    await store.close();
    await store.close();
    await expect(store.read('t')).rejects.toMatchObject({ code: 'closed' });
    await expect(store.write('t', 1, undefined)).rejects.toMatchObject({ code: 'closed' });
    await expect(store.getEpoch()).rejects.toMatchObject({ code: 'closed' });
  });

  it('fails a write with busy when another connection holds the lock past busyTimeoutMs', async () => {
    const path = tempPath();
    const holder = open({ path });
    const waiter = open({ path, busyTimeoutMs: 0 });
    holder.database.prepare('BEGIN IMMEDIATE').run();
    await expect(waiter.write('t', 1, undefined)).rejects.toMatchObject({ code: 'busy' });
    holder.database.prepare('COMMIT').run();
    expect(await waiter.write('t', 1, undefined)).toMatchObject({ revision: '1' });
  });

  it('serialises compare-and-set across two connections to one file', async () => {
    const path = tempPath();
    const a = open({ path });
    const b = open({ path });
    expect(await b.getEpoch()).toBe(await a.getEpoch());
    await a.write('t', 'a', undefined);
    expect(await b.write('t', 'b', undefined)).toBeUndefined();
    expect(await b.write('t', 'b', '1')).toMatchObject({ revision: '2' });
    expect(await a.read('t')).toMatchObject({ revision: '2', data: 'b' });
  });
});
