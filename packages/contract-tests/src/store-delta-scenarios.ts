// SourceStore conformance: the bounded per-topic delta log and readSince, the resume path.
import type { SourceStore } from '@state-sync/core';
import { describe, expect, it } from 'vitest';
import { openStore } from './store-harness';
import { type StoreGroup, storeTimeout } from './store-scenarios';

const ops = (n: number, pad = '') => [{ op: 'replace', path: '/n', value: `${n}${pad}` }];

/** Writes revisions 1..count of `topic`, each with its delta (or none where `skip` says so). */
async function writeMany(
  store: SourceStore,
  topic: string,
  count: number,
  options: { pad?: string; skip?: (n: number) => boolean } = {},
): Promise<void> {
  const start = Number((await store.read(topic))?.revision ?? '0');
  for (let n = start + 1; n <= start + count; n++) {
    const delta = options.skip?.(n) ? undefined : ops(n, options.pad);
    const record = await store.write(topic, { n }, n === 1 ? undefined : String(n - 1), { delta });
    if (!record) throw new Error(`write of revision ${n} was refused`);
  }
}

const since = (store: SourceStore, topic: string, epoch: string, revision: string) =>
  (store.readSince as NonNullable<SourceStore['readSince']>)(topic, epoch, revision);

export const describeStoreDeltaLog: StoreGroup = (name, factory, options = {}) => {
  describe('delta log and readSince', () => {
    it(
      'answers the deltas after a revision in order, [] when up to date',
      async () => {
        const { store } = await openStore(name, factory, options);
        const epoch = await store.getEpoch();
        expect(await since(store, 'never', epoch, '0')).toStrictEqual([]);
        await writeMany(store, 't', 3);
        expect(await since(store, 't', epoch, '0')).toStrictEqual([
          { revision: '1', ops: ops(1) },
          { revision: '2', ops: ops(2) },
          { revision: '3', ops: ops(3) },
        ]);
        expect(await since(store, 't', epoch, '2')).toStrictEqual([{ revision: '3', ops: ops(3) }]);
        expect(await since(store, 't', epoch, '3')).toStrictEqual([]);
      },
      storeTimeout(options),
    );

    it(
      'answers undefined (send a snapshot) for another epoch or a revision ahead of the store',
      async () => {
        const { store } = await openStore(name, factory, options);
        const epoch = await store.getEpoch();
        await writeMany(store, 't', 2);
        expect(await since(store, 't', `${epoch}-other`, '1')).toBeUndefined();
        expect(await since(store, 't', epoch, '3')).toBeUndefined();
        expect(await since(store, 'never', epoch, '1')).toBeUndefined();
      },
      storeTimeout(options),
    );

    it(
      'keeps at most maxEntries deltas per topic, the newest',
      async () => {
        const { store } = await openStore(name, factory, options, { deltaLog: { maxEntries: 3 } });
        const epoch = await store.getEpoch();
        await writeMany(store, 't', 10);
        await writeMany(store, 'other', 2);
        expect((await since(store, 't', epoch, '7'))?.map((e) => e.revision)).toStrictEqual([
          '8',
          '9',
          '10',
        ]);
        expect(await since(store, 't', epoch, '6')).toBeUndefined();
        expect(await since(store, 'other', epoch, '0')).toHaveLength(2);
      },
      storeTimeout(options),
    );

    it(
      'keeps the deltas of a topic within maxBytes, and drops one larger than the whole budget',
      async () => {
        const pad = 'x'.repeat(1000);
        const { store } = await openStore(name, factory, options, {
          deltaLog: { maxBytes: 2500 },
        });
        const epoch = await store.getEpoch();
        await writeMany(store, 't', 6, { pad });
        expect(await since(store, 't', epoch, '4')).toHaveLength(2);
        expect(await since(store, 't', epoch, '3')).toBeUndefined();
        await store.write('t', { n: 7 }, '6', { delta: ops(7, pad.repeat(3)) });
        expect(await since(store, 't', epoch, '6')).toBeUndefined();
        expect(await since(store, 't', epoch, '7')).toStrictEqual([]);
      },
      storeTimeout(options),
    );

    it(
      'holds its default bound under a flood of 300 writes with deltas',
      async () => {
        const { store } = await openStore(name, factory, options);
        const epoch = await store.getEpoch();
        await writeMany(store, 't', 300);
        const kept = await since(store, 't', epoch, '200');
        expect(kept).toHaveLength(100);
        expect(await since(store, 't', epoch, '199')).toBeUndefined();
        if (options.metrics) expect(store.getMetrics?.().deltasEvicted).toBeGreaterThanOrEqual(200);
      },
      storeTimeout(options),
    );

    it(
      'treats a write without a delta as a gap nobody can resume across',
      async () => {
        const { store } = await openStore(name, factory, options);
        const epoch = await store.getEpoch();
        await writeMany(store, 't', 4, { skip: (n) => n === 2 });
        expect(await since(store, 't', epoch, '0')).toBeUndefined();
        expect(await since(store, 't', epoch, '1')).toBeUndefined();
        expect((await since(store, 't', epoch, '2'))?.map((e) => e.revision)).toStrictEqual([
          '3',
          '4',
        ]);
      },
      storeTimeout(options),
    );

    it(
      'stores ops as given and hands readers a copy',
      async () => {
        const { store } = await openStore(name, factory, options);
        const epoch = await store.getEpoch();
        const written = [
          { op: 'add', path: '/a~1b/0', value: { deep: [1, null, 'ü😀'] } },
          { op: 'remove', path: '/x' },
        ];
        await store.write('t', {}, undefined, { delta: written });
        written.pop();
        const first = await since(store, 't', epoch, '0');
        (first?.[0]?.ops as unknown[]).length = 0;
        expect(await since(store, 't', epoch, '0')).toStrictEqual([
          {
            revision: '1',
            ops: [
              { op: 'add', path: '/a~1b/0', value: { deep: [1, null, 'ü😀'] } },
              { op: 'remove', path: '/x' },
            ],
          },
        ]);
      },
      storeTimeout(options),
    );

    it(
      'rejects a delta that is not an array and a non-canonical revision, changing nothing',
      async () => {
        const { store } = await openStore(name, factory, options);
        const epoch = await store.getEpoch();
        // core's serializeDelta and assertRevision throw exactly these.
        await expect(
          store.write('t', 1, undefined, { delta: { op: 'add' } as never }),
        ).rejects.toMatchObject({ code: 'invalid_argument' });
        expect(await store.read('t')).toBeUndefined();
        await expect(since(store, 't', epoch, '01')).rejects.toMatchObject({
          code: 'invalid_revision',
        });
        await expect(since(store, 't', epoch, 'nope')).rejects.toMatchObject({
          code: 'invalid_revision',
        });
      },
      storeTimeout(options),
    );
  });
};
