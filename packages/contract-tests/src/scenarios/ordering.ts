// The revision gate, out-of-order / duplicated / dropped invalidations, and coalescing of bursts.
import { expect } from 'vitest';
import { defineGroup, macrotask, type N, scenario } from './common';

export const revisionGateScenarios = [
  scenario(
    'revision-gate/not-newer-ignored',
    'ignores a snapshot whose revision is not newer',
    'snapshots must carry the revision the source had when it was read (not a counter of your own), as a canonical decimal string',
    async (f) => {
      const topic = f.harness.source.topic<N>('gate');
      await topic.set({ n: 1 });
      const other = await f.connect();
      const stale = await other.provider<N>('gate').getSnapshot({ reason: 'manual' });
      expect(stale, 'a snapshot fetched straight from a provider').toMatchObject({
        revision: '1',
        data: { n: 1 },
      });
      await topic.set({ n: 2 });
      const client = await f.sync<N>('gate');
      await client.handle.start();
      expect(client.handle.getLocalRevision(), 'revision after start()').toBe('2');
      client.link.replaceNextSnapshots(stale, { ...stale, revision: '2', data: { n: -2 } });
      await client.handle.refresh();
      await client.handle.refresh();
      expect(client.handle.getLocalRevision(), 'revision after two stale snapshots').toBe('2');
      expect(client.applied.map((e) => e.data)).toEqual([{ n: 2 }]);
      expect(client.handle.getMetrics().stale).toBe(2);
    },
  ),
];

export const orderingScenarios = [
  scenario(
    'ordering/old-invalidation-free',
    'invalidations at or below the local revision cost no fetch',
    'invalidations must carry the revision of the change they announce (and the source epoch), not the newest revision at send time or none',
    async (f) => {
      const topic = f.harness.source.topic<N>('order-old');
      for (let n = 1; n <= 3; n++) await topic.set({ n });
      const client = await f.sync<N>('order-old');
      await client.handle.start();
      const epoch = client.handle.getEpoch();
      const fetches = client.link.fetchCount();
      for (const revision of ['3', '1', '2', '0', '3'])
        client.link.inject({ topic: 'order-old', revision, epoch });
      expect(client.link.fetchCount(), 'fetches caused by old invalidations').toBe(fetches);
      expect(client.handle.getMetrics().ignored).toBeGreaterThanOrEqual(5);
      expect(client.errors).toEqual([]);
    },
  ),
  scenario(
    'ordering/reordered',
    'a newer invalidation delivered before an older one ends on the newest state',
    'every invalidation must be forwarded to the handler as it came, and the snapshot fetched for it must come from the source',
    async (f) => {
      const topic = f.harness.source.topic<N>('order-reorder');
      const client = await f.sync<N>('order-reorder');
      await client.handle.start();
      client.link.mode = 'manual';
      await topic.set({ n: 1 });
      await topic.set({ n: 2 });
      await f.eventually(() =>
        expect(client.link.pending.length, 'invalidations received').toBeGreaterThanOrEqual(2),
      );
      client.link.deliver(client.link.pending.length - 1);
      await f.eventually(() => expect(client.data(), 'data after the newest').toEqual({ n: 2 }));
      const fetches = client.link.fetchCount();
      client.link.flush();
      await macrotask();
      expect(client.link.fetchCount(), 'fetches caused by the older ones').toBe(fetches);
      expect(client.applied.map((e) => e.revision)).toEqual(['0', '2']);
    },
  ),
  scenario(
    'ordering/duplicated-or-dropped',
    'converges when invalidations are duplicated or dropped',
    'one invalidation per change, each naming its topic and revision; a lost one must be made good by the next that gets through',
    async (f) => {
      const topic = f.harness.source.topic<N>('order-dupdrop');
      const client = await f.sync<N>('order-dupdrop');
      await client.handle.start();
      client.link.mode = 'manual';
      for (let n = 1; n <= 6; n++) await topic.set({ n });
      await f.eventually(() =>
        expect(
          client.link.pending.length,
          'invalidations received for 6 changes',
        ).toBeGreaterThanOrEqual(6),
      );
      const fetches = client.link.fetchCount();
      while (client.link.pending.length > 1) client.link.drop(0);
      for (let i = 0; i < 3; i++) client.link.deliver(0, true);
      await f.eventually(() => expect(client.data()).toEqual({ n: 6 }));
      expect(client.link.fetchCount() - fetches).toBeLessThanOrEqual(2);
      client.link.pending.length = 0;
      await topic.set({ n: 7 });
      await f.eventually(() => expect(client.link.pending.length).toBe(1));
      client.link.drop(0);
      client.link.mode = 'pass';
      await topic.set({ n: 8 });
      await f.eventually(() =>
        expect(client.data(), 'data after the next change').toEqual({ n: 8 }),
      );
      expect(client.handle.getLocalRevision()).toBe('8');
    },
  ),
];

export const coalescingScenarios = [
  scenario(
    'coalescing/burst',
    'a burst of 1,000 invalidations costs one fetch in flight and at most one queued',
    'forward every invalidation (none merged, none lost) and do not fetch on your own behind the engine: the engine coalesces',
    async (f) => {
      const topic = f.harness.source.topic<N>('burst');
      const client = await f.sync<N>('burst');
      await client.handle.start();
      const fetches = client.link.fetchCount();
      client.link.holdFetches = true;
      for (let n = 1; n <= 1000; n++) await topic.set({ n });
      await f.eventually(() =>
        expect(
          (client.link.lastReceived() as { revision?: string } | undefined)?.revision,
          'revision of the last invalidation received',
        ).toBe('1000'),
      );
      expect(client.link.fetchCount() - fetches, 'fetches while one is in flight').toBe(1);
      client.link.flush();
      await f.eventually(() => expect(client.data()).toEqual({ n: 1000 }));
      expect(client.link.fetchCount() - fetches).toBeLessThanOrEqual(2);
      expect(client.handle.getLocalRevision()).toBe('1000');
    },
    { timeoutMs: 60_000 },
  ),
];

export const describeRevisionGate = defineGroup({
  title: 'revision gate',
  scenarios: revisionGateScenarios,
});
export const describeOrdering = defineGroup({
  title: 'out-of-order, duplicated and dropped invalidations',
  scenarios: orderingScenarios,
});
export const describeCoalescing = defineGroup({
  title: 'coalescing',
  scenarios: coalescingScenarios,
});
