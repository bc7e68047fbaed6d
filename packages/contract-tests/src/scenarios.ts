// The contract scenarios, one exported group per behaviour so a transport can run any of them alone.
import { createRevisionSync } from '@state-sync/core';
import { describe, expect, it } from 'vitest';
import { openFixture } from './fixture';
import type { ContractOptions, HarnessFactory } from './harness';

type N = { n: number };
type Group = (name: string, factory: HarnessFactory, options?: ContractOptions) => void;

const timeout = (options: ContractOptions, base = 30_000) => base * (options.timeScale ?? 1);
/** Lets transports deliver what is already on its way (one macrotask, not a timed wait). */
const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export const describeLateJoin: Group = (name, factory, options = {}) => {
  describe('late join', () => {
    it(
      'a client that starts after changes begins on the latest state',
      async () => {
        const f = await openFixture(name, factory, options);
        const topic = f.harness.source.topic<N>('late-join');
        for (let n = 1; n <= 3; n++) await topic.set({ n });
        const client = await f.sync<N>('late-join');
        let appliedWhenSynced = -1;
        client.handle.onStatus((status) => {
          if (status === 'synced' && appliedWhenSynced < 0)
            appliedWhenSynced = client.applied.length;
        });
        await client.handle.start();
        expect(client.handle.getLocalRevision()).toBe('3');
        expect(client.data()).toEqual({ n: 3 });
        expect(client.statuses).toEqual(['syncing', 'synced']);
        expect(appliedWhenSynced).toBe(1);
        await topic.set({ n: 4 });
        await f.eventually(() => expect(client.data()).toEqual({ n: 4 }));
      },
      timeout(options),
    );
  });
};

export const describeRevisionGate: Group = (name, factory, options = {}) => {
  describe('revision gate', () => {
    it(
      'ignores a snapshot whose revision is not newer',
      async () => {
        const f = await openFixture(name, factory, options);
        const topic = f.harness.source.topic<N>('gate');
        await topic.set({ n: 1 });
        const other = await f.connect();
        const stale = await other.provider<N>('gate').getSnapshot();
        await topic.set({ n: 2 });
        const client = await f.sync<N>('gate');
        await client.handle.start();
        expect(client.handle.getLocalRevision()).toBe('2');
        client.link.replaceNextSnapshots(stale, { ...stale, revision: '2', data: { n: -2 } });
        await client.handle.refresh();
        await client.handle.refresh();
        expect(client.handle.getLocalRevision()).toBe('2');
        expect(client.applied.map((e) => e.data)).toEqual([{ n: 2 }]);
        expect(client.handle.getMetrics().stale).toBe(2);
      },
      timeout(options),
    );
  });
};

export const describeOrdering: Group = (name, factory, options = {}) => {
  describe('out-of-order, duplicated and dropped invalidations', () => {
    it(
      'invalidations at or below the local revision cost no fetch',
      async () => {
        const f = await openFixture(name, factory, options);
        const topic = f.harness.source.topic<N>('order-old');
        for (let n = 1; n <= 3; n++) await topic.set({ n });
        const client = await f.sync<N>('order-old');
        await client.handle.start();
        const epoch = client.handle.getEpoch();
        const fetches = client.link.fetchCount();
        for (const revision of ['3', '1', '2', '0', '3'])
          client.link.inject({ topic: 'order-old', revision, epoch });
        expect(client.link.fetchCount()).toBe(fetches);
        expect(client.handle.getMetrics().ignored).toBeGreaterThanOrEqual(5);
        expect(client.errors).toEqual([]);
      },
      timeout(options),
    );

    it(
      'a newer invalidation delivered before an older one ends on the newest state',
      async () => {
        const f = await openFixture(name, factory, options);
        const topic = f.harness.source.topic<N>('order-reorder');
        const client = await f.sync<N>('order-reorder');
        await client.handle.start();
        client.link.mode = 'manual';
        await topic.set({ n: 1 });
        await topic.set({ n: 2 });
        await f.eventually(() => expect(client.link.pending.length).toBeGreaterThanOrEqual(2));
        const newest = client.link.pending.length - 1;
        client.link.deliver(newest);
        await f.eventually(() => expect(client.data()).toEqual({ n: 2 }));
        const fetches = client.link.fetchCount();
        client.link.flush();
        await macrotask();
        expect(client.link.fetchCount()).toBe(fetches);
        expect(client.applied.map((e) => e.revision)).toEqual(['0', '2']);
      },
      timeout(options),
    );

    it(
      'converges when invalidations are duplicated or dropped',
      async () => {
        const f = await openFixture(name, factory, options);
        const topic = f.harness.source.topic<N>('order-dupdrop');
        const client = await f.sync<N>('order-dupdrop');
        await client.handle.start();
        client.link.mode = 'manual';
        for (let n = 1; n <= 6; n++) await topic.set({ n });
        await f.eventually(() => expect(client.link.pending.length).toBeGreaterThanOrEqual(6));
        const fetches = client.link.fetchCount();
        while (client.link.pending.length > 1) client.link.drop(0);
        for (let i = 0; i < 3; i++) client.link.deliver(0, true);
        await f.eventually(() => expect(client.data()).toEqual({ n: 6 }));
        expect(client.link.fetchCount() - fetches).toBeLessThanOrEqual(2);
        // A lost invalidation is made good by the next one that gets through.
        client.link.pending.length = 0;
        await topic.set({ n: 7 });
        await f.eventually(() => expect(client.link.pending.length).toBe(1));
        client.link.drop(0);
        client.link.mode = 'pass';
        await topic.set({ n: 8 });
        await f.eventually(() => expect(client.data()).toEqual({ n: 8 }));
        expect(client.handle.getLocalRevision()).toBe('8');
      },
      timeout(options),
    );
  });
};

export const describeCoalescing: Group = (name, factory, options = {}) => {
  describe('coalescing', () => {
    it(
      'a burst of 1,000 invalidations costs one fetch in flight and at most one queued',
      async () => {
        const f = await openFixture(name, factory, options);
        const topic = f.harness.source.topic<N>('burst');
        const client = await f.sync<N>('burst');
        await client.handle.start();
        const fetches = client.link.fetchCount();
        client.link.holdFetches = true;
        for (let n = 1; n <= 1000; n++) await topic.set({ n });
        await f.eventually(() =>
          expect((client.link.lastReceived() as { revision?: string } | undefined)?.revision).toBe(
            '1000',
          ),
        );
        expect(client.link.fetchCount() - fetches).toBe(1);
        client.link.flush();
        await f.eventually(() => expect(client.data()).toEqual({ n: 1000 }));
        expect(client.link.fetchCount() - fetches).toBeLessThanOrEqual(2);
        expect(client.handle.getLocalRevision()).toBe('1000');
      },
      timeout(options, 60_000),
    );
  });
};

export const describeLifecycle: Group = (name, factory, options = {}) => {
  describe('lifecycle', () => {
    it(
      'a snapshot that arrives after stop() is never applied',
      async () => {
        const f = await openFixture(name, factory, options);
        const topic = f.harness.source.topic<N>('quiescence');
        const client = await f.sync<N>('quiescence');
        const witness = await f.sync<N>('quiescence', { endpoint: await f.connect() });
        await client.handle.start();
        await witness.handle.start();
        client.link.holdFetches = true;
        await topic.set({ n: 1 });
        await f.eventually(() => expect(client.link.held.length).toBe(1));
        const pending = client.handle.refresh();
        client.handle.stop();
        client.link.release();
        await expect(pending).rejects.toMatchObject({ code: 'stopped' });
        await topic.set({ n: 2 });
        await f.eventually(() => expect(witness.data()).toEqual({ n: 2 }));
        await macrotask();
        expect(client.applied.map((e) => e.data)).toEqual([null]);
        expect(client.link.fetchCount()).toBe(2);
        expect(client.handle.getStatus()).toBe('stopped');
        await expect(client.handle.refresh()).rejects.toMatchObject({ code: 'stopped' });
      },
      timeout(options),
    );

    it(
      'start() rejects when subscribing fails, reports it, leaves nothing behind and can be retried',
      async () => {
        const f = await openFixture(name, factory, options);
        await f.harness.source.topic<N>('start-failure').set({ n: 1 });
        const baseline = f.harness.source.listenerCount();
        const client = await f.sync<N>('start-failure');
        client.link.failNextSubscribes(1);
        await expect(client.handle.start()).rejects.toMatchObject({ code: 'subscribe_failed' });
        expect(client.errors.map((e) => e.phase)).toEqual(['subscribe']);
        expect(client.link.fetchCount()).toBe(0);
        expect(client.handle.getStatus()).toBe('error');
        expect(f.harness.source.listenerCount()).toBe(baseline);
        await client.handle.start();
        expect(client.data()).toEqual({ n: 1 });
        expect(client.handle.getStatus()).toBe('synced');
      },
      timeout(options),
    );

    it(
      'stop() before subscribe resolves releases the subscription once it resolves',
      async () => {
        const f = await openFixture(name, factory, options);
        const endpoint = await f.connect();
        const sourceBaseline = f.harness.source.listenerCount();
        const endpointBaseline = endpoint.listenerCount?.();
        const client = await f.sync<N>('early-stop', { endpoint });
        const open = client.link.holdNextSubscribe();
        const started = client.handle.start();
        client.handle.stop();
        open();
        await started;
        await f.eventually(() => {
          expect(client.link.isSubscribed()).toBe(false);
          expect(f.harness.source.listenerCount()).toBe(sourceBaseline);
          expect(endpoint.listenerCount?.()).toBe(endpointBaseline);
        });
        expect(client.link.fetchCount()).toBe(0);
        expect(client.applied).toEqual([]);
      },
      timeout(options),
    );

    it(
      'unsubscribe releases every listener: 1,000 start/stop cycles leave none behind',
      async () => {
        const f = await openFixture(name, factory, options);
        const cycles = options.leakCycles ?? 1000;
        const endpoint = await f.connect();
        const topic = 'leak';
        await f.harness.source.topic<N>(topic).set({ n: 1 });
        const sourceBaseline = f.harness.source.listenerCount();
        const endpointBaseline = endpoint.listenerCount?.();
        const make = () =>
          createRevisionSync<N>({
            topic,
            subscriber: endpoint.subscriber(topic),
            provider: endpoint.provider<N>(topic),
            applier: () => {},
          });
        // The count must rise while subscribed, or the checks below could never fail.
        const probe = make();
        await probe.start();
        await f.eventually(() =>
          expect(f.harness.source.listenerCount()).toBeGreaterThan(sourceBaseline),
        );
        probe.stop();
        const reused = make();
        for (let i = 0; i < cycles; i++) {
          const sync = i % 2 === 0 ? make() : reused; // fresh engines and one engine remounted (StrictMode)
          await sync.start();
          sync.stop();
        }
        await f.eventually(() => {
          expect(f.harness.source.listenerCount()).toBe(sourceBaseline);
          expect(endpoint.listenerCount?.()).toBe(endpointBaseline);
        });
      },
      timeout(options, 120_000),
    );
  });
};

const GARBAGE: Array<[string, unknown]> = [
  ['null', null],
  ['undefined', undefined],
  ['a number', 42],
  ['a boolean', true],
  ['a string', 'invalidate'],
  ['an array', [{ topic: 'garbage', revision: '9' }]],
  ['an empty object', {}],
  ['no topic', { revision: '9' }],
  ['an empty topic', { topic: '', revision: '9' }],
  ['a blank topic', { topic: '   ', revision: '9' }],
  ['a numeric topic', { topic: 7, revision: '9' }],
  ['an object topic', { topic: { toString: () => 'garbage' }, revision: '9' }],
  ['no revision', { topic: 'garbage' }],
  ['a numeric revision', { topic: 'garbage', revision: 9 }],
  ['a bigint-like number revision', { topic: 'garbage', revision: 1e21 }],
  ['an empty revision', { topic: 'garbage', revision: '' }],
  ['leading zeros', { topic: 'garbage', revision: '007' }],
  ['a plus sign', { topic: 'garbage', revision: '+1' }],
  ['a leading space', { topic: 'garbage', revision: ' 1' }],
  ['a trailing newline', { topic: 'garbage', revision: '1\n' }],
  ['an exponent', { topic: 'garbage', revision: '1e3' }],
  ['a negative revision', { topic: 'garbage', revision: '-1' }],
  ['a fraction', { topic: 'garbage', revision: '1.5' }],
  ['hex', { topic: 'garbage', revision: '0x10' }],
  ['u64 max + 1', { topic: 'garbage', revision: '18446744073709551616' }],
  ['21 digits', { topic: 'garbage', revision: '100000000000000000000' }],
  ['a numeric epoch', { topic: 'garbage', revision: '9', epoch: 5 }],
  ['an object sourceId', { topic: 'garbage', revision: '9', sourceId: {} }],
  ['an unknown reason', { topic: 'garbage', revision: '9', reason: 'because' }],
  ['a __proto__ key', JSON.parse('{"__proto__":{"polluted":true},"revision":"9"}')],
];

export const describeProtocolValidation: Group = (name, factory, options = {}) => {
  describe('protocol validation', () => {
    it(
      'garbage invalidations of every shape never throw, are reported as protocol errors and change nothing',
      async () => {
        const f = await openFixture(name, factory, options);
        await f.harness.source.topic<N>('garbage').set({ n: 1 });
        const client = await f.sync<N>('garbage');
        await client.handle.start();
        const fetches = client.link.fetchCount();
        for (const [label, payload] of GARBAGE) {
          expect(() => client.link.inject(payload), label).not.toThrow();
        }
        expect(client.errors.map((e) => e.phase)).toEqual(GARBAGE.map(() => 'protocol'));
        expect(client.errors.map((e) => (e.error as { code?: string }).code)).toEqual(
          GARBAGE.map(() => 'invalid_event'),
        );
        expect(client.errors.map((e) => e.sourceEvent)).toEqual(
          GARBAGE.map(([, payload]) => payload),
        );
        expect(client.handle.getMetrics().protocolErrors).toBe(GARBAGE.length);
        expect(client.link.fetchCount()).toBe(fetches);
        expect(client.data()).toEqual({ n: 1 });
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        await f.harness.source.topic<N>('garbage').set({ n: 2 });
        await f.eventually(() => expect(client.data()).toEqual({ n: 2 }));
      },
      timeout(options),
    );

    it(
      'garbage snapshots are reported as protocol errors and never applied',
      async () => {
        const f = await openFixture(name, factory, options);
        await f.harness.source.topic<N>('garbage-snapshot').set({ n: 1 });
        const client = await f.sync<N>('garbage-snapshot');
        await client.handle.start();
        const bad = [
          null,
          'snapshot',
          [],
          { revision: '007', data: {} },
          { revision: '9' },
          { revision: '9', epoch: 1, data: {} },
          { data: {} },
        ];
        client.link.replaceNextSnapshots(...bad);
        for (const _ of bad) {
          await expect(client.handle.refresh()).rejects.toMatchObject({ code: 'invalid_snapshot' });
        }
        expect(client.errors.map((e) => e.phase)).toEqual(bad.map(() => 'protocol'));
        expect(client.applied.map((e) => e.data)).toEqual([{ n: 1 }]);
        expect(client.handle.getStatus()).toBe('error');
        await client.handle.refresh();
        expect(client.handle.getStatus()).toBe('synced');
      },
      timeout(options),
    );

    it(
      'garbage sent through the transport itself never throws and never changes state',
      async (context) => {
        const f = await openFixture(name, factory, options);
        if (!f.harness.sendRaw) {
          context.skip('the harness has no sendRaw capability');
          return;
        }
        const topic = f.harness.source.topic<N>('garbage');
        await topic.set({ n: 1 });
        const client = await f.sync<N>('garbage');
        await client.handle.start();
        for (const [, payload] of GARBAGE) await f.harness.sendRaw('garbage', payload);
        await topic.set({ n: 2 });
        await f.eventually(() => expect(client.data()).toEqual({ n: 2 }));
        expect(client.applied.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);
        expect(client.errors.every((e) => e.phase === 'protocol')).toBe(true);
      },
      timeout(options),
    );
  });
};

export const describeEpoch: Group = (name, factory, options = {}) => {
  describe('epoch', () => {
    it(
      'a snapshot from another epoch is applied even at a lower revision, and back again',
      async () => {
        const f = await openFixture(name, factory, options);
        const topic = f.harness.source.topic<N>('epoch');
        for (let n = 1; n <= 3; n++) await topic.set({ n });
        const client = await f.sync<N>('epoch');
        await client.handle.start();
        const original = client.handle.getEpoch();
        expect(original).toEqual(expect.any(String));
        client.link.replaceNextSnapshots({
          revision: '1',
          epoch: 'replaced-epoch',
          data: { n: -1 },
        });
        await client.handle.refresh();
        expect(client.handle.getLocalRevision()).toBe('1');
        expect(client.handle.getEpoch()).toBe('replaced-epoch');
        // The real source's next invalidation carries its own epoch: a resync, not a stale skip.
        await topic.set({ n: 4 });
        await f.eventually(() => expect(client.data()).toEqual({ n: 4 }));
        expect(client.handle.getEpoch()).toBe(original);
      },
      timeout(options),
    );

    it(
      'an invalidation from another epoch triggers a fetch whatever its revision',
      async () => {
        const f = await openFixture(name, factory, options);
        await f.harness.source.topic<N>('epoch-event').set({ n: 1 });
        const client = await f.sync<N>('epoch-event');
        await client.handle.start();
        const fetches = client.link.fetchCount();
        client.link.inject({ topic: 'epoch-event', revision: '0', epoch: 'some-other-epoch' });
        await f.eventually(() => expect(client.link.fetchCount()).toBe(fetches + 1));
        await f.eventually(() => expect(client.handle.getStatus()).toBe('synced'));
        expect(client.applied.map((e) => e.data)).toEqual([{ n: 1 }]);
      },
      timeout(options),
    );

    it(
      'after the source restarts (new epoch, revision back at 0) every client resyncs to the new state',
      async (context) => {
        const f = await openFixture(name, factory, options);
        if (!f.harness.restart) {
          context.skip('the harness has no restart capability');
          return;
        }
        const topic = 'restart';
        for (let n = 1; n <= 5; n++) await f.harness.source.topic<N>(topic).set({ n });
        const a = await f.sync<N>(topic);
        const b = await f.sync<N>(topic, { endpoint: await f.connect() });
        await a.handle.start();
        await b.handle.start();
        const before = a.handle.getEpoch();
        await f.harness.restart({ [topic]: { n: 100 } });
        const after = await f.harness.source.getEpoch();
        expect(after).not.toBe(before);
        for (const client of [a, b]) {
          await f.eventually(() => {
            expect(client.data()).toEqual({ n: 100 });
            expect(client.handle.getEpoch()).toBe(after);
            expect(client.handle.getLocalRevision()).toBe('0');
          });
        }
        await f.harness.source.topic<N>(topic).set({ n: 101 });
        for (const client of [a, b]) {
          await f.eventually(() => expect(client.data()).toEqual({ n: 101 }));
          expect(client.handle.getLocalRevision()).toBe('1');
        }
      },
      timeout(options),
    );
  });
};

export const describeTopicIsolation: Group = (name, factory, options = {}) => {
  describe('topics', () => {
    it(
      'two topics on one connection stay isolated',
      async () => {
        const f = await openFixture(name, factory, options);
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
        expect(b.link.fetchCount() - bFetches).toBe(1);
        expect(b.applied.map((e) => e.data)).toEqual([null, { topic: 'b', n: 1 }]);
        expect(a.applied.every((e) => e.data === null || e.data.topic === 'a')).toBe(true);
        expect([...a.errors, ...b.errors]).toEqual([]);
      },
      timeout(options),
    );
  });
};
