// Everything another process can make a node hold or do is bounded and counted (STYLE.md).
import type { InvalidationEvent } from '@state-sync/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRedisStore, isStateSyncRedisError, type StateSyncRedisError } from '../src/index';
import { type Fixture, openFixture, redisAvailable } from './redis-harness';

describe.skipIf(!redisAvailable)('bounds and bad input', () => {
  let fixture: Fixture | undefined;
  afterEach(async () => {
    await fixture?.dispose();
    fixture = undefined;
  });

  it('rejects a flood of foreign pub/sub messages, counts and reports each, and keeps working', async () => {
    fixture = await openFixture();
    const errors: StateSyncRedisError[] = [];
    const store = await fixture.store({
      maxMessageBytes: 1024,
      onError: (error) => errors.push(error),
    });
    const seen: InvalidationEvent[] = [];
    store.subscribe((event) => seen.push(event));
    const channel = store.keys.channel;
    const garbage = [
      'not json',
      '{"type":"invalidate","topic":"board","revision":"007","epoch":"x"}',
      '{"type":"invalidate","topic":"","revision":"1","epoch":"x"}',
      '{"type":"nope"}',
      JSON.stringify({
        type: 'invalidate',
        topic: 'board',
        revision: '1',
        epoch: 'x',
        pad: 'x'.repeat(2_000),
      }),
    ];
    const flood = Array.from({ length: 200 }, (_, i) => garbage[i % garbage.length]!);
    await Promise.all(flood.map((message) => fixture!.admin.publish(channel, message)));
    await vi.waitFor(() => expect(store.getMetrics().invalidMessages).toBe(200));
    expect(errors).toHaveLength(200);
    expect(errors.every((error) => error.code === 'invalid_message')).toBe(true);
    expect(seen).toStrictEqual([]);
    // Still a working node: a real write from a peer gets through.
    const peer = await fixture.store();
    await peer.write('board', 1, undefined);
    await vi.waitFor(() => expect(seen.map((event) => event.revision)).toStrictEqual(['1']));
  });

  it('drops a well-formed invalidation of an epoch Redis does not have', async () => {
    fixture = await openFixture();
    const store = await fixture.store();
    await store.getEpoch();
    const seen: InvalidationEvent[] = [];
    store.subscribe((event) => seen.push(event));
    await fixture.admin.publish(
      store.keys.channel,
      JSON.stringify({ type: 'invalidate', topic: 'board', revision: '5', epoch: 'forged' }),
    );
    await vi.waitFor(() => expect(store.getMetrics().staleMessages).toBe(1));
    expect(seen).toStrictEqual([]);
  });

  it('remembers at most maxWatchedTopics topics for anti-entropy, forgetting the least recent', async () => {
    fixture = await openFixture();
    const store = await fixture.store({ maxWatchedTopics: 10 });
    for (let i = 0; i < 50; i++) await store.read(`topic-${i}`);
    expect(store.getMetrics()).toMatchObject({ watchedTopics: 10, watchedTopicsEvicted: 40 });
  });

  it('refuses commands beyond maxPendingCommands with `overloaded` instead of queueing them', async () => {
    fixture = await openFixture();
    const store = await fixture.store({ maxPendingCommands: 5 });
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) => store.read(`topic-${i}`)),
    );
    const refused = results.filter(
      (r) =>
        r.status === 'rejected' &&
        isStateSyncRedisError(r.reason) &&
        r.reason.code === 'overloaded',
    );
    expect(refused.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(refused.length);
    expect(await store.read('topic-0')).toBeUndefined();
  });

  it('keeps the delta log within maxEntries and maxBytes, and readSince within it', async () => {
    fixture = await openFixture();
    const store = await fixture.store({ deltaLog: { maxEntries: 3, maxBytes: 10_000 } });
    const epoch = await store.getEpoch();
    let revision: string | undefined;
    for (let i = 1; i <= 6; i++) {
      const ops = [{ op: 'replace', path: '/n', value: i }];
      revision = (await store.write('board', { n: i }, revision, { delta: ops }))?.revision;
    }
    expect(await fixture.admin.lLen(store.keys.log('board'))).toBe(3);
    expect(await store.readSince('board', epoch, '2')).toBeUndefined();
    expect(
      (await store.readSince('board', epoch, '3'))?.map((entry) => entry.revision),
    ).toStrictEqual(['4', '5', '6']);
    expect(store.getMetrics().deltasEvicted).toBe(3);
  });

  it('refuses data JSON cannot carry with `invalid_data`', async () => {
    fixture = await openFixture();
    const store = await fixture.store();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const data of [undefined, 1n, cyclic]) {
      const error = await store.write('board', data, undefined).catch((e: unknown) => e);
      expect(isStateSyncRedisError(error) && error.code).toBe('invalid_data');
    }
    expect(await store.read('board')).toBeUndefined();
  });

  it('rejects bad options with `invalid_argument`, naming the option', () => {
    for (const options of [
      { prefix: '' },
      { prefix: 'a{b}' },
      { maxWatchedTopics: 0 },
      { commandTimeoutMs: -1 },
    ]) {
      let error: unknown;
      try {
        createRedisStore(options);
      } catch (e) {
        error = e;
      }
      expect(isStateSyncRedisError(error) && error.code).toBe('invalid_argument');
    }
  });
});
