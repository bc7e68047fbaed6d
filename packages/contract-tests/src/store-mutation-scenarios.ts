// SourceStore conformance for exactly-once writes (capability `mutations`): the last processed seq
// of each client is recorded in the same atomic step as the write, and survives a reopen.
import { describe, expect, it } from 'vitest';
import { openStore } from './store-harness';
import { type StoreGroup, storeTimeout } from './store-scenarios';

export const describeStoreMutations: StoreGroup = (name, factory, options = {}) => {
  describe('exactly-once mutations', () => {
    it(
      'records the client seq with the write, and knows nothing of a client never seen',
      async () => {
        const { store } = await openStore(name, factory, options);
        expect(await store.lastMutation?.('c1')).toBeUndefined();
        const written = await store.write('t', { n: 1 }, undefined, {
          mutation: { clientId: 'c1', seq: 1 },
        });
        expect(written?.revision).toBe('1');
        expect(await store.lastMutation?.('c1')).toStrictEqual({ seq: 1 });
        expect(await store.lastMutation?.('c2')).toBeUndefined();
      },
      storeTimeout(options),
    );

    it(
      'refuses a write whose seq is not above the recorded one, leaving data and revision alone',
      async () => {
        const { store } = await openStore(name, factory, options);
        await store.write('t', 'first', undefined, { mutation: { clientId: 'c', seq: 2 } });
        for (const seq of [1, 2]) {
          expect(
            await store.write('t', 'again', '1', { mutation: { clientId: 'c', seq } }),
          ).toBeUndefined();
        }
        expect(await store.read('t')).toMatchObject({ revision: '1', data: 'first' });
        expect(await store.lastMutation?.('c')).toStrictEqual({ seq: 2 });
      },
      storeTimeout(options),
    );

    it(
      'does not record the seq of a write refused for a stale revision',
      async () => {
        const { store } = await openStore(name, factory, options);
        await store.write('t', 1, undefined);
        expect(
          await store.write('t', 2, undefined, { mutation: { clientId: 'c', seq: 1 } }),
        ).toBeUndefined();
        expect(await store.lastMutation?.('c')).toBeUndefined();
      },
      storeTimeout(options),
    );

    it(
      'applies one of two racing writes of the same seq',
      async () => {
        const { store } = await openStore(name, factory, options);
        await store.write('a', 0, undefined);
        await store.write('b', 0, undefined);
        // The same mutation resent to two topics' writers at once: only one may land.
        const results = await Promise.all([
          store.write('a', 1, '1', { mutation: { clientId: 'c', seq: 1 } }),
          store.write('b', 1, '1', { mutation: { clientId: 'c', seq: 1 } }),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
      },
      storeTimeout(options),
    );

    it(
      'records a refused mutation with its reason, only above the recorded seq',
      async () => {
        const { store } = await openStore(name, factory, options);
        const rejection = { code: 'nope', message: 'refused "x" — ünïcode ok' };
        expect(await store.recordMutation?.('c', { seq: 1, rejection })).toBe(true);
        expect(await store.lastMutation?.('c')).toStrictEqual({ seq: 1, rejection });
        expect(await store.recordMutation?.('c', { seq: 1 })).toBe(false);
        await store.write('t', 1, undefined, { mutation: { clientId: 'c', seq: 2 } });
        expect(await store.lastMutation?.('c')).toStrictEqual({ seq: 2 });
      },
      storeTimeout(options),
    );

    if (options.durable) {
      it(
        'keeps every client seq across a reopen',
        async () => {
          const fixture = await openStore(name, factory, options);
          await fixture.store.write('t', 1, undefined, { mutation: { clientId: 'c', seq: 7 } });
          await fixture.store.recordMutation?.('d', {
            seq: 3,
            rejection: { code: 'x', message: 'y' },
          });
          const reopened = await fixture.reopen();
          expect(await reopened.lastMutation?.('c')).toStrictEqual({ seq: 7 });
          expect(await reopened.lastMutation?.('d')).toStrictEqual({
            seq: 3,
            rejection: { code: 'x', message: 'y' },
          });
        },
        storeTimeout(options),
      );
    }
  });
};
