// SourceStore conformance: read/write, compare-and-set, epoch rules, durability, shared subscribe.
// One exported group per behaviour so a store can run any of them alone.
import { compareRevisions, type InvalidationEvent, type SourceStore } from '@state-sync/core';
import { describe, expect, it } from 'vitest';
import { openStore, type StoreContractOptions, type StoreFactory } from './store-harness';

export type StoreGroup = (
  name: string,
  factory: StoreFactory,
  options?: StoreContractOptions,
) => void;

export const storeTimeout = (options: StoreContractOptions) => 30_000 * (options.timeScale ?? 1);

/** A compare-and-set read-modify-write loop, as `source.update` does it. */
export async function increment(store: SourceStore, topic: string): Promise<string> {
  for (;;) {
    const current = await store.read<number>(topic);
    const written = await store.write(topic, (current?.data ?? 0) + 1, current?.revision);
    if (written) return written.revision;
  }
}

const values: unknown[] = [
  { nested: { list: [1, 'two', null, true], empty: {} } },
  ['a', { b: 2 }],
  'text with "quotes", \\ and émojis 😀',
  0,
  -12.5,
  null,
  false,
];

export const describeStoreReadWrite: StoreGroup = (name, factory, options = {}) => {
  describe('read and write', () => {
    it(
      'reads undefined for a topic never written, then what was written at revision "1"',
      async () => {
        const { store } = await openStore(name, factory, options);
        expect(await store.read('never')).toBeUndefined();
        const epoch = await store.getEpoch();
        const written = await store.write('t', { n: 1 }, undefined);
        expect(written).toStrictEqual({ epoch, revision: '1', data: { n: 1 } });
        expect(await store.read('t')).toStrictEqual({ epoch, revision: '1', data: { n: 1 } });
      },
      storeTimeout(options),
    );

    it(
      'bumps the revision by exactly one per write',
      async () => {
        const { store } = await openStore(name, factory, options);
        let expected: string | undefined;
        for (let n = 1; n <= 25; n++) {
          const record = await store.write('t', n, expected);
          expect(record?.revision).toBe(String(n));
          expected = record?.revision;
        }
        expect(await store.read('t')).toMatchObject({ revision: '25', data: 25 });
      },
      storeTimeout(options),
    );

    it(
      'round-trips every JSON value unchanged',
      async () => {
        const { store } = await openStore(name, factory, options);
        for (const [i, value] of values.entries()) {
          await store.write(`value-${i}`, value, undefined);
          expect((await store.read(`value-${i}`))?.data).toStrictEqual(value);
        }
      },
      storeTimeout(options),
    );

    it(
      'keeps a copy: changing the written object afterwards changes nothing stored',
      async () => {
        const { store } = await openStore(name, factory, options);
        const data = { items: ['a'] };
        await store.write('t', data, undefined);
        data.items.push('b');
        expect((await store.read('t'))?.data).toStrictEqual({ items: ['a'] });
      },
      storeTimeout(options),
    );

    it(
      'keeps topics apart, whatever characters their names hold',
      async () => {
        const { store } = await openStore(name, factory, options);
        const names = ['a', 'a:b', 'a/b', 'A', 'a b', 'ünï {cödé} 😀', '*', 'x'.repeat(300)];
        for (const [i, topic] of names.entries()) await store.write(topic, i, undefined);
        for (const [i, topic] of names.entries())
          expect(await store.read(topic)).toMatchObject({ revision: '1', data: i });
      },
      storeTimeout(options),
    );
  });
};

export const describeStoreCompareAndSet: StoreGroup = (name, factory, options = {}) => {
  describe('compare-and-set', () => {
    it(
      'refuses a write whose expected revision is not the current one, changing nothing',
      async () => {
        const { store } = await openStore(name, factory, options);
        await store.write('t', 'one', undefined);
        await store.write('t', 'two', '1');
        for (const expected of [undefined, '0', '1', '3', '99']) {
          expect(await store.write('t', 'stale', expected)).toBeUndefined();
        }
        expect(await store.read('t')).toMatchObject({ revision: '2', data: 'two' });
        expect(await store.write('fresh', 'x', '1')).toBeUndefined();
        expect(await store.read('fresh')).toBeUndefined();
      },
      storeTimeout(options),
    );

    it(
      'lets exactly one of many concurrent writes on the same revision land',
      async () => {
        const { store } = await openStore(name, factory, options);
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.write('t', i, undefined)),
        );
        const landed = results.filter((record) => record !== undefined);
        expect(landed).toHaveLength(1);
        expect(await store.read('t')).toStrictEqual(landed[0]);
      },
      storeTimeout(options),
    );

    it(
      'loses no update when 20 read-modify-write loops race on one topic',
      async () => {
        const { store } = await openStore(name, factory, options);
        const revisions = await Promise.all(
          Array.from({ length: 20 }, () => increment(store, 'n')),
        );
        expect(new Set(revisions).size).toBe(20);
        expect(await store.read('n')).toMatchObject({ revision: '20', data: 20 });
      },
      storeTimeout(options),
    );

    if (options.metrics) {
      it(
        'counts landed and refused writes in getMetrics()',
        async () => {
          const { store } = await openStore(name, factory, options);
          const metrics = store.getMetrics as NonNullable<SourceStore['getMetrics']>;
          const before = metrics();
          await store.write('t', 1, undefined);
          await store.write('t', 2, undefined);
          const after = metrics();
          expect(after.writes - before.writes).toBe(1);
          expect(after.conflicts - before.conflicts).toBe(1);
        },
        storeTimeout(options),
      );
    }
  });
};

export const describeStoreEpoch: StoreGroup = (name, factory, options = {}) => {
  describe('epoch', () => {
    it(
      'keeps one non-empty epoch, carried by every record',
      async () => {
        const { store } = await openStore(name, factory, options);
        const epoch = await store.getEpoch();
        expect(typeof epoch).toBe('string');
        expect(epoch).not.toBe('');
        expect(await store.getEpoch()).toBe(epoch);
        expect((await store.write('t', 1, undefined))?.epoch).toBe(epoch);
        expect((await store.read('t'))?.epoch).toBe(epoch);
      },
      storeTimeout(options),
    );

    it(
      'gives fresh storage a new epoch, so clients never trust revisions from other storage',
      async () => {
        const a = await openStore(name, factory, options);
        const b = await openStore(name, factory, options);
        expect(await a.store.getEpoch()).not.toBe(await b.store.getEpoch());
      },
      storeTimeout(options),
    );
  });
};

export const describeStoreDurability: StoreGroup = (name, factory, options = {}) => {
  describe('durability', () => {
    it(
      'keeps epoch, data and revision across a reopen, and the next write continues the count',
      async () => {
        const f = await openStore(name, factory, options);
        const epoch = await f.store.getEpoch();
        for (let n = 1; n <= 3; n++) await increment(f.store, 't');
        await f.store.write('u', { kept: true }, undefined, {
          delta: [{ op: 'add', path: '/kept', value: true }],
        });
        const store = await f.reopen();
        expect(await store.getEpoch()).toBe(epoch);
        expect(await store.read('t')).toStrictEqual({ epoch, revision: '3', data: 3 });
        expect(await store.read('u')).toStrictEqual({ epoch, revision: '1', data: { kept: true } });
        expect(await store.readSince?.('u', epoch, '0')).toStrictEqual([
          { revision: '1', ops: [{ op: 'add', path: '/kept', value: true }] },
        ]);
        expect(await store.write('t', 4, '2')).toBeUndefined();
        expect(await store.write('t', 4, '3')).toMatchObject({ epoch, revision: '4' });
      },
      storeTimeout(options),
    );
  });
};

export const describeStoreSubscribe: StoreGroup = (name, factory, options = {}) => {
  describe('shared: other instances and subscribe', () => {
    it(
      "reports another instance's writes to subscribe, and stops after unsubscribe",
      async () => {
        const f = await openStore(name, factory, options);
        const other = await f.peer();
        const events: InvalidationEvent[] = [];
        const off = (f.store.subscribe as NonNullable<SourceStore['subscribe']>)((event) =>
          events.push(event),
        );
        const epoch = await f.store.getEpoch();
        expect(await other.getEpoch()).toBe(epoch);
        await other.write('t', 'from peer', undefined);
        await f.eventually(() =>
          expect(events).toContainEqual(
            expect.objectContaining({ topic: 't', revision: '1', epoch }),
          ),
        );
        expect(await f.store.read('t')).toMatchObject({ revision: '1', data: 'from peer' });
        off();
        const seen = events.length;
        await other.write('t', 'unseen', '1');
        // A second subscriber proves the write was published; the first must not hear it.
        const later: InvalidationEvent[] = [];
        const offLater = (f.store.subscribe as NonNullable<SourceStore['subscribe']>)((event) =>
          later.push(event),
        );
        await other.write('t', 'seen', '2');
        await f.eventually(() => expect(later.map((e) => e.revision)).toContain('3'));
        offLater();
        expect(events).toHaveLength(seen);
      },
      storeTimeout(options),
    );

    it(
      'loses no update when two instances race read-modify-write loops on one topic',
      async () => {
        const f = await openStore(name, factory, options);
        const other = await f.peer();
        const runs = Array.from({ length: 20 }, (_, i) => increment(i % 2 ? other : f.store, 'n'));
        await Promise.all(runs);
        expect(await f.store.read('n')).toMatchObject({ revision: '20', data: 20 });
        const last = await other.read('n');
        expect(last && compareRevisions(last.revision, '20')).toBe(0);
      },
      storeTimeout(options),
    );
  });
};
