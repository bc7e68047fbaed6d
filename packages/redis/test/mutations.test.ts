// Exactly-once mutation records in Redis beyond the conformance suite: the key layout and its PX
// TTL, the maxClients bound under a flood, expiry counted, and bad marks refused.
import { afterEach, describe, expect, it } from 'vitest';
import { type Fixture, openFixture, redisAvailable } from './redis-harness';

describe.skipIf(!redisAvailable)('exactly-once mutation records', () => {
  let fixture: Fixture | undefined;
  afterEach(async () => {
    await fixture?.dispose();
    fixture = undefined;
  });

  it('keeps each client in its own key expiring after ttlMs, and in the clients set', async () => {
    fixture = await openFixture();
    const store = await fixture.store({ mutations: { ttlMs: 60_000 } });
    await store.write('t', 1, undefined, { mutation: { clientId: 'c1', seq: 4 } });
    await store.recordMutation('c2', { seq: 2, rejection: { code: 'no', message: 'refused' } });
    const { admin } = fixture;
    expect(await admin.get(store.keys.mutation('c1'))).toBe('4');
    expect(await admin.get(store.keys.mutation('c2'))).toBe('2 {"code":"no","message":"refused"}');
    const ttl = await admin.pTTL(store.keys.mutation('c1'));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await admin.zRange(store.keys.mutationClients, 0, -1)).toStrictEqual(['c1', 'c2']);
  });

  it('holds maxClients under a flood of new clients, forgetting the least recently updated', async () => {
    fixture = await openFixture();
    const store = await fixture.store({ mutations: { maxClients: 10 } });
    await store.recordMutation('first', { seq: 1 });
    for (let i = 0; i < 200; i++) await store.recordMutation(`client-${i}`, { seq: 1 });
    const { admin, prefix } = fixture;
    expect(await admin.zCard(store.keys.mutationClients)).toBe(10);
    let keys = 0;
    for await (const batch of admin.scanIterator({ MATCH: `${prefix}:mut:c:*`, COUNT: 500 })) {
      keys += batch.length;
    }
    expect(keys).toBe(10);
    expect(store.getMetrics().clientsEvicted).toBe(191);
    expect(await store.lastMutation('first')).toBeUndefined();
    expect(await store.lastMutation('client-199')).toStrictEqual({ seq: 1 });
  });

  it('forgets a client whose key expired: its old seq is accepted again, the set entry is swept and counted', async () => {
    fixture = await openFixture();
    const store = await fixture.store({ mutations: { ttlMs: 60_000 } });
    await store.write('t', 1, undefined, { mutation: { clientId: 'old', seq: 5 } });
    const { admin } = fixture;
    // What PX does after ttlMs (without waiting for it): the key is gone, and the set entry is
    // older than the TTL.
    await admin.del(store.keys.mutation('old'));
    await admin.zAdd(store.keys.mutationClients, { score: 0, value: 'old' });
    expect(await store.lastMutation('old')).toBeUndefined();
    expect(await store.recordMutation('other', { seq: 1 })).toBe(true);
    expect(store.getMetrics().clientsEvicted).toBe(1);
    expect(await admin.zRange(store.keys.mutationClients, 0, -1)).toStrictEqual(['other']);
    expect(await store.write('t', 2, '1', { mutation: { clientId: 'old', seq: 1 } })).toMatchObject(
      {
        revision: '2',
      },
    );
  });

  it('refuses a mark without a client or with a seq that is not a positive integer', async () => {
    fixture = await openFixture();
    const store = await fixture.store();
    for (const mutation of [
      { clientId: '', seq: 1 },
      { clientId: 'c', seq: 0 },
      { clientId: 'c', seq: 2.5 },
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

  it('refuses mutation bounds that are not positive integers', async () => {
    fixture = await openFixture();
    await expect(fixture.store({ mutations: { maxClients: 0 } })).rejects.toThrowError(
      /mutations\.maxClients/,
    );
  });
});
