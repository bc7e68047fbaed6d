// Lifecycle: stop quiescence, start failure cleanup, stop before subscribe resolves, and no
// listener left behind after many mounts, whatever the transport's listener architecture.
import { createRevisionSync } from '@state-sync/core';
import { expect } from 'vitest';
import type { ContractScenario } from '../scenario';
import { defineGroup, macrotask, type N, scenario, warmBaseline } from './common';

const RELEASE =
  "the function your subscribe() resolves to must detach what subscribe attached (source listeners, socket or channel handlers), be safe to call twice, and still detach when it is called right after subscribe resolves; `source.listenerCount()` and the client end's `listenerCount()` must count them";

export const lifecycleScenarios = [
  scenario(
    'lifecycle/stop-quiescence',
    'a snapshot that arrives after stop() is never applied',
    'honour `context.signal` in getSnapshot, and never call the handler after its unsubscribe ran',
    async (f) => {
      const topic = f.harness.source.topic<N>('quiescence');
      const client = await f.sync<N>('quiescence');
      const witness = await f.sync<N>('quiescence', { endpoint: await f.connect() });
      await client.handle.start();
      await witness.handle.start();
      client.link.holdFetches = true;
      await topic.set({ n: 1 });
      await f.eventually(() => expect(client.link.held.length, 'fetches held').toBe(1));
      const pending = client.handle.refresh();
      client.handle.stop();
      client.link.release();
      await expect(pending).rejects.toMatchObject({ code: 'stopped' });
      await topic.set({ n: 2 });
      await f.eventually(() => expect(witness.data(), 'a second client').toEqual({ n: 2 }));
      await macrotask();
      expect(
        client.applied.map((e) => e.data),
        'data applied by the stopped client',
      ).toEqual([null]);
      expect(client.link.fetchCount(), 'fetches by the stopped client').toBe(2);
      expect(client.handle.getStatus()).toBe('stopped');
      await expect(client.handle.refresh()).rejects.toMatchObject({ code: 'stopped' });
    },
  ),
  scenario(
    'lifecycle/start-failure',
    'start() rejects when subscribing fails, reports it, leaves nothing behind and can be retried',
    'a subscriber must be usable again after one of its subscribe() calls failed',
    async (f) => {
      await f.harness.source.topic<N>('start-failure').set({ n: 1 });
      const client = await f.sync<N>('start-failure');
      const baseline = f.harness.source.listenerCount();
      client.link.failNextSubscribes(1);
      await expect(client.handle.start()).rejects.toMatchObject({ code: 'subscribe_failed' });
      expect(client.errors.map((e) => e.phase)).toEqual(['subscribe']);
      expect(client.link.fetchCount(), 'fetches after a failed subscribe').toBe(0);
      expect(client.handle.getStatus()).toBe('error');
      expect(f.harness.source.listenerCount(), 'source listeners').toBeLessThanOrEqual(baseline);
      await client.handle.start();
      expect(client.data(), 'data after the retried start()').toEqual({ n: 1 });
      expect(client.handle.getStatus()).toBe('synced');
    },
  ),
  scenario(
    'lifecycle/early-stop',
    'stop() before subscribe resolves releases the subscription once it resolves',
    RELEASE,
    async (f) => {
      const endpoint = await f.connect();
      const baseline = await warmBaseline(f, endpoint, 'early-stop-warm-up');
      const client = await f.sync<N>('early-stop', { endpoint });
      const open = client.link.holdNextSubscribe();
      const started = client.handle.start();
      client.handle.stop();
      open();
      await started;
      await f.eventually(() => {
        expect(client.link.isSubscribed(), 'engine handler still attached').toBe(false);
        expect(f.harness.source.listenerCount(), 'source listeners').toBeLessThanOrEqual(
          baseline.source,
        );
        expect(endpoint.listenerCount?.(), 'client end listeners').toBe(baseline.endpoint);
      });
      expect(client.link.fetchCount()).toBe(0);
      expect(client.applied).toEqual([]);
    },
  ),
  {
    id: 'lifecycle/no-leak',
    title: (options) =>
      `unsubscribe releases every listener: ${options.leakCycles ?? 1000} start/stop cycles leave none behind and a long-lived client keeps receiving`,
    hint: `${RELEASE}. With one shared listener per connection, count subscribers per topic and detach only when the last one leaves`,
    timeoutMs: 120_000,
    async run(f, options) {
      const cycles = options.leakCycles ?? 1000;
      const before = f.harness.source.listenerCount();
      const endpoint = await f.connect();
      const topic = 'leak';
      const source = f.harness.source.topic<N>(topic);
      await source.set({ n: 1 });
      const baseline = await warmBaseline(f, endpoint, topic);
      // A client that stays mounted throughout: the cycles around it must not detach it.
      const steady = await f.sync<N>(topic, { endpoint });
      await steady.handle.start();
      const withSteady = await warmBaseline(f, endpoint, topic);
      const make = () =>
        createRevisionSync<N>({
          topic,
          subscriber: endpoint.subscriber(topic),
          provider: endpoint.provider<N>(topic),
          applier: () => {},
        });
      const reused = make();
      let peak = 0;
      for (let i = 0; i < cycles; i++) {
        const sync = i % 2 === 0 ? make() : reused; // fresh engines and one remounted (StrictMode)
        await sync.start();
        sync.stop();
        if (i % 100 === 99) peak = Math.max(peak, f.harness.source.listenerCount());
      }
      await f.eventually(() => {
        expect(
          f.harness.source.listenerCount(),
          `source listeners after ${cycles} cycles (one client still mounted)`,
        ).toBeLessThanOrEqual(withSteady.source);
        expect(endpoint.listenerCount?.(), `client end listeners after ${cycles} cycles`).toBe(
          withSteady.endpoint,
        );
      });
      expect(
        peak - withSteady.source,
        'source listeners piling up during the cycles',
      ).toBeLessThanOrEqual(Math.max(10, cycles / 10));
      await source.set({ n: 2 });
      await f.eventually(() =>
        expect(steady.data(), 'the long-lived client after the cycles').toEqual({ n: 2 }),
      );
      steady.handle.stop();
      await f.eventually(() => {
        expect(
          f.harness.source.listenerCount(),
          'source listeners after the last stop()',
        ).toBeLessThanOrEqual(baseline.source);
        expect(endpoint.listenerCount?.(), 'client end listeners after the last stop()').toBe(
          baseline.endpoint,
        );
      });
      await endpoint.close?.();
      if (endpoint.close) {
        await f.eventually(() =>
          expect(
            f.harness.source.listenerCount(),
            'source listeners once the client end is closed',
          ).toBeLessThanOrEqual(before),
        );
      }
    },
  } satisfies ContractScenario,
];

export const describeLifecycle = defineGroup({ title: 'lifecycle', scenarios: lifecycleScenarios });
