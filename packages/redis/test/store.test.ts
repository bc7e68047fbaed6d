import { createSource, type InvalidationEvent } from '@state-sync/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisStore, isStateSyncRedisError } from '../src/index';
import { type Fixture, openFixture, redisAvailable } from './redis-harness';

describe.skipIf(!redisAvailable)('createRedisStore', () => {
  let fixture: Fixture | undefined;
  afterEach(async () => {
    await fixture?.dispose();
    fixture = undefined;
  });
  const open = async () => {
    fixture = await openFixture();
    return fixture;
  };

  it('writes with compare-and-set and reads back the same epoch, revision and data', async () => {
    const f = await open();
    const store = await f.store();
    const epoch = await store.getEpoch();
    expect(await store.read('board')).toBeUndefined();
    const first = await store.write('board', { n: 1 }, undefined);
    expect(first).toStrictEqual({ epoch, revision: '1', data: { n: 1 } });
    expect(await store.write('board', { n: 9 }, undefined)).toBeUndefined();
    expect(await store.write('board', { n: 2 }, '1')).toMatchObject({ revision: '2' });
    expect(await store.read('board')).toStrictEqual({ epoch, revision: '2', data: { n: 2 } });
    expect(store.getMetrics()).toMatchObject({ writes: 2, conflicts: 1 });
  });

  it('keeps keys under its prefix with one hash tag per topic', async () => {
    const f = await open();
    const store = await f.store();
    await store.write('room:1', 'x', undefined, {
      delta: [{ op: 'replace', path: '', value: 'x' }],
    });
    const keys = (await f.admin.keys(`${f.prefix}:*`)).sort();
    expect(keys).toStrictEqual(
      [`${f.prefix}:epoch`, `${f.prefix}:{room:1}:log`, `${f.prefix}:{room:1}:rec`].sort(),
    );
    expect(store.keys.record('room:1')).toBe(`${f.prefix}:{room:1}:rec`);
  });

  it('tells a second node about a write over pub/sub, with its delta', async () => {
    const f = await open();
    const a = await f.store();
    const b = await f.store();
    const seen: InvalidationEvent[] = [];
    const got = new Promise<void>((resolve) =>
      b.subscribe((event) => {
        seen.push(event);
        resolve();
      }),
    );
    const ops = [{ op: 'add', path: '/n', value: 1 }];
    const record = await a.write('board', { n: 1 }, undefined, { sourceId: 'node-a', delta: ops });
    await got;
    expect(seen).toStrictEqual([
      {
        topic: 'board',
        revision: '1',
        epoch: record?.epoch,
        sourceId: 'node-a',
        delta: { baseRevision: '0', ops },
      },
    ]);
  });

  it('fails writes with `unavailable` while Redis cannot be reached', async () => {
    const store = createRedisStore({
      url: 'redis://127.0.0.1:1',
      prefix: 'state-sync-test:nowhere',
    });
    try {
      const error = await store.write('board', 1, undefined).catch((e: unknown) => e);
      expect(isStateSyncRedisError(error) && error.code).toBe('unavailable');
      expect(store.status().command).not.toBe('ready');
    } finally {
      await store.close();
    }
  });

  it('lets two sources on two nodes update one topic concurrently without losing an update', async () => {
    const f = await open();
    const nodes = [
      createSource({ store: await f.store(), maxWriteAttempts: 1_000 }),
      createSource({ store: await f.store(), maxWriteAttempts: 1_000 }),
    ];
    const perNode = 50;
    await Promise.all(
      nodes.flatMap((source) =>
        Array.from({ length: perNode }, () =>
          source.topic<number>('counter', { initial: 0 }).update((n) => n + 1),
        ),
      ),
    );
    const final = await nodes[0]!.topic<number>('counter').get();
    expect(final).toMatchObject({ revision: String(2 * perNode), data: 2 * perNode });
  });
});
