// Epochs (a replaced source is detected even at a lower revision; a restart resyncs every client)
// and topic isolation on one connection.
import { expect } from 'vitest';
import { defineGroup, type N, scenario } from './common';

export const epochScenarios = [
  scenario(
    'epoch/lower-revision-applied',
    'a snapshot from another epoch is applied even at a lower revision, and back again',
    'snapshots and invalidations must carry the epoch of the source (`envelope.epoch`), unchanged',
    async (f) => {
      const topic = f.harness.source.topic<N>('epoch');
      for (let n = 1; n <= 3; n++) await topic.set({ n });
      const client = await f.sync<N>('epoch');
      await client.handle.start();
      const original = client.handle.getEpoch();
      expect(original, 'epoch of the first snapshot').toEqual(expect.any(String));
      client.link.replaceNextSnapshots({ revision: '1', epoch: 'replaced-epoch', data: { n: -1 } });
      await client.handle.refresh();
      expect(client.handle.getLocalRevision()).toBe('1');
      expect(client.handle.getEpoch()).toBe('replaced-epoch');
      // The real source's next invalidation carries its own epoch: a resync, not a stale skip.
      await topic.set({ n: 4 });
      await f.eventually(() =>
        expect(client.data(), 'data after an invalidation of the real epoch').toEqual({ n: 4 }),
      );
      expect(client.handle.getEpoch()).toBe(original);
    },
  ),
  scenario(
    'epoch/other-epoch-invalidation',
    'an invalidation from another epoch triggers a fetch whatever its revision',
    'the provider must answer every pull from the source with the source epoch',
    async (f) => {
      await f.harness.source.topic<N>('epoch-event').set({ n: 1 });
      const client = await f.sync<N>('epoch-event');
      await client.handle.start();
      const fetches = client.link.fetchCount();
      client.link.inject({ topic: 'epoch-event', revision: '0', epoch: 'some-other-epoch' });
      await f.eventually(() => expect(client.link.fetchCount(), 'fetches').toBe(fetches + 1));
      await f.eventually(() => expect(client.handle.getStatus()).toBe('synced'));
      expect(client.applied.map((e) => e.data)).toEqual([{ n: 1 }]);
    },
  ),
  scenario(
    'epoch/restart-resync',
    'after the source restarts (new epoch, revision back at 0) every client resyncs to the new state',
    'after a restart or reconnect your transport must send `{ topic, resync: true }` (or an invalidation with the new epoch) to every handler, and the pull that follows (reason `reconnect` or `epoch`) must reach the new source, not a copy kept from the old one',
    async (f) => {
      const topic = 'restart';
      for (let n = 1; n <= 5; n++) await f.harness.source.topic<N>(topic).set({ n });
      const a = await f.sync<N>(topic);
      const b = await f.sync<N>(topic, { endpoint: await f.connect() });
      await a.handle.start();
      await b.handle.start();
      const before = a.handle.getEpoch();
      await f.harness.restart!({ [topic]: { n: 100 } });
      const after = await f.harness.source.getEpoch();
      expect(
        after,
        'harness.source after restart(): the suite reads `source` again, so define it as a getter returning the new source',
      ).not.toBe(before);
      for (const [label, client] of [
        ['first', a],
        ['second', b],
      ] as const) {
        await f.eventually(() => {
          expect(client.data(), `data of the ${label} client after restart`).toEqual({ n: 100 });
          expect(client.handle.getEpoch(), `epoch of the ${label} client`).toBe(after);
          expect(client.handle.getLocalRevision()).toBe('0');
        });
      }
      await f.harness.source.topic<N>(topic).set({ n: 101 });
      for (const client of [a, b]) {
        await f.eventually(() =>
          expect(client.data(), 'data after a change on the new source').toEqual({ n: 101 }),
        );
        expect(client.handle.getLocalRevision()).toBe('1');
      }
    },
    { requires: ['restart'] },
  ),
  scenario(
    'epoch/restart-then-changes',
    'changes made on a restarted source before its clients came back reach every client',
    'after a restart or reconnect, subscribe again first and pull second (with reason `reconnect`, from the source): a resync sent before the new subscription is in place, or answered from a copy, loses the changes made in between',
    async (f) => {
      const topic = 'restart-changes';
      await f.harness.source.topic<N>(topic).set({ n: 1 });
      const a = await f.sync<N>(topic);
      const b = await f.sync<N>(topic, { endpoint: await f.connect() });
      await a.handle.start();
      await b.handle.start();
      await f.harness.restart!({ [topic]: { n: 100 } });
      for (let n = 101; n <= 103; n++) await f.harness.source.topic<N>(topic).set({ n });
      for (const [label, client] of [
        ['first', a],
        ['second', b],
      ] as const) {
        await f.eventually(() => {
          expect(client.data(), `data of the ${label} client`).toEqual({ n: 103 });
          expect(client.handle.getLocalRevision(), `revision of the ${label} client`).toBe('3');
        });
      }
    },
    { requires: ['restart'] },
  ),
];

export const topicScenarios = [
  scenario(
    'topics/isolation',
    'two topics on one connection stay isolated',
    'route invalidations and snapshots by topic: a handler must only receive its own topic, and provider(topic) must fetch that topic',
    async (f) => {
      type Tagged = { topic: string; n: number };
      const a = await f.sync<Tagged>('isolated-a');
      const b = await f.sync<Tagged>('isolated-b');
      await a.handle.start();
      await b.handle.start();
      const bFetches = b.link.fetchCount();
      for (let n = 1; n <= 3; n++)
        await f.harness.source.topic<Tagged>('isolated-a').set({ topic: 'a', n });
      await f.eventually(() => expect(a.data()).toEqual({ topic: 'a', n: 3 }));
      await f.harness.source.topic<Tagged>('isolated-b').set({ topic: 'b', n: 1 });
      await f.eventually(() => expect(b.data()).toEqual({ topic: 'b', n: 1 }));
      expect(b.link.fetchCount() - bFetches, 'fetches of topic b').toBe(1);
      expect(b.applied.map((e) => e.data)).toEqual([null, { topic: 'b', n: 1 }]);
      expect(a.applied.every((e) => e.data === null || e.data.topic === 'a')).toBe(true);
      expect([...a.errors, ...b.errors]).toEqual([]);
    },
  ),
];

export const describeEpoch = defineGroup({ title: 'epoch', scenarios: epochScenarios });
export const describeTopicIsolation = defineGroup({ title: 'topics', scenarios: topicScenarios });
