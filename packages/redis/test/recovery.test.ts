// What a node does when Redis goes away, loses its data, or pub/sub drops messages.
import type { InvalidationEvent } from '@state-sync/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isStateSyncRedisError, type StateSyncRedisError } from '../src/index';
import {
  deletePrefix,
  type Fixture,
  killSubscribers,
  openFixture,
  REDIS_URL,
  redisAvailable,
} from './redis-harness';
import { openTcpProxy, type TcpProxy } from './tcp-proxy';

describe.skipIf(!redisAvailable)('recovery', () => {
  let fixture: Fixture | undefined;
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await fixture?.dispose();
    await proxy?.close();
    fixture = undefined;
    proxy = undefined;
  });

  it('re-announces a change pub/sub lost even when a read on this node already saw it', async () => {
    fixture = await openFixture();
    proxy = await openTcpProxy(new URL(REDIS_URL));
    const a = await fixture.store();
    const b = await fixture.store({ url: proxy.url });
    await a.write('board', 1, undefined);
    await b.read('board'); // a client of B pulled revision 1
    const seen: InvalidationEvent[] = [];
    b.subscribe((event) => seen.push(event));
    proxy.hold();
    await killSubscribers(fixture.admin, fixture.prefix);
    await vi.waitFor(() => expect(b.status().subscriber).toBe('reconnecting'));
    await a.write('board', 2, '1');
    expect((await b.read('board'))?.revision).toBe('2'); // another client of B pulled revision 2
    proxy.release();
    await vi.waitFor(() => expect(b.status().subscriber).toBe('ready'));
    await b.settled();
    // The client that pulled revision 1 must still hear of revision 2.
    expect(seen.map((event) => event.revision)).toContain('2');
  });

  it('fails writes with `unavailable` while Redis is away, and works again once it is back', async () => {
    fixture = await openFixture();
    proxy = await openTcpProxy(new URL(REDIS_URL));
    const errors: StateSyncRedisError[] = [];
    const store = await fixture.store({ url: proxy.url, onError: (error) => errors.push(error) });
    await store.write('board', 1, undefined);
    proxy.hold();
    await killConnections(fixture);
    await vi.waitFor(() => expect(store.status().command).toBe('reconnecting'));
    const error = await store.write('board', 2, '1').catch((e: unknown) => e);
    expect(isStateSyncRedisError(error) && error.code).toBe('unavailable');
    expect(errors.some((e) => e.code === 'unavailable')).toBe(true);
    proxy.release();
    await vi.waitFor(() =>
      expect(store.status()).toStrictEqual({ command: 'ready', subscriber: 'ready' }),
    );
    expect(await store.write('board', 2, '1')).toMatchObject({ revision: '2' });
  });

  it('fails a command Redis does not answer with `timeout` after commandTimeoutMs', async () => {
    fixture = await openFixture();
    proxy = await openTcpProxy(new URL(REDIS_URL));
    const store = await fixture.store({ url: proxy.url, commandTimeoutMs: 1_000 });
    await store.write('board', 1, undefined);
    proxy.stall();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const pending = store.read('board').catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(1_000);
      const error = await pending;
      expect(isStateSyncRedisError(error) && error.code).toBe('timeout');
    } finally {
      vi.useRealTimers();
      proxy.resume();
    }
    expect((await store.read('board'))?.revision).toBe('1');
  });

  it('creates a new epoch when the keys are gone and tells every node', async () => {
    fixture = await openFixture();
    const a = await fixture.store();
    const b = await fixture.store();
    await a.write('board', 1, undefined);
    await b.read('board');
    const before = await b.getEpoch();
    const seen: InvalidationEvent[] = [];
    b.subscribe((event) => seen.push(event));
    await deletePrefix(fixture.admin, fixture.prefix);
    const created = await a.write('board', 'fresh', undefined);
    expect(created?.epoch).not.toBe(before);
    expect(created?.revision).toBe('1');
    await vi.waitFor(() => expect(seen.some((event) => event.epoch === created?.epoch)).toBe(true));
    expect(await b.getEpoch()).toBe(created?.epoch);
    expect(b.getMetrics().epochChanges).toBe(1);
  });

  it('treats a record left from a lost epoch as never written, and replaces it', async () => {
    fixture = await openFixture();
    const store = await fixture.store();
    await store.write('board', 'old', undefined);
    // The epoch key alone is lost (evicted, deleted): the record now belongs to no live epoch.
    await fixture.admin.del(store.keys.epoch);
    const epoch = await store.getEpoch();
    expect(await store.read('board')).toBeUndefined();
    expect(await store.write('board', 'new', undefined)).toStrictEqual({
      epoch,
      revision: '1',
      data: 'new',
    });
  });
});

/** Drops every connection of the fixture's stores (Redis side), as a restart would. */
async function killConnections(fixture: Fixture): Promise<void> {
  for (const client of await fixture.admin.clientList()) {
    if (client.name?.startsWith(`state-sync:${fixture.prefix}:`))
      await fixture.admin.sendCommand(['CLIENT', 'KILL', 'ID', String(client.id)]);
  }
}
