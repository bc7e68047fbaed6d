// core's memory store must pass the whole SourceStore conformance suite.
import {
  createMemoryStore,
  type DeltaLogOptions,
  type InvalidationEvent,
  type SourceStore,
} from '@state-sync/core';
import { describeStoreContract } from '../src/index';
import type { StoreHarness } from '../src/store-harness';

describeStoreContract(
  'memory',
  ({ deltaLog }) => ({ store: createMemoryStore({ deltaLog }), dispose() {} }),
  { metrics: true, mutations: true },
);

/**
 * A test fixture that runs the durable and shared groups in this repo without a server: several
 * instances over one memory store, each write published to every instance's subscribers.
 */
function sharedMemoryHarness(deltaLog: DeltaLogOptions | undefined): StoreHarness {
  const inner = createMemoryStore({ deltaLog });
  const listeners = new Set<(event: InvalidationEvent) => void>();
  const instance = (): SourceStore => {
    const mine = new Set<(event: InvalidationEvent) => void>();
    return {
      getEpoch: inner.getEpoch,
      read: inner.read,
      readSince: inner.readSince,
      getMetrics: inner.getMetrics,
      lastMutation: inner.lastMutation,
      recordMutation: inner.recordMutation,
      async write(topic, data, expected, meta) {
        const record = await inner.write(topic, data, expected, meta);
        const event = record && { topic, revision: record.revision, epoch: record.epoch };
        if (event) for (const listener of listeners) queueMicrotask(() => listener(event));
        return record;
      },
      subscribe(listener) {
        listeners.add(listener);
        mine.add(listener);
        return () => {
          listeners.delete(listener);
          mine.delete(listener);
        };
      },
      async close() {
        for (const listener of mine) listeners.delete(listener);
      },
    };
  };
  return { store: instance(), reopen: instance, peer: instance, dispose() {} };
}

describeStoreContract(
  'memory shared by instances (fixture)',
  ({ deltaLog }) => sharedMemoryHarness(deltaLog),
  { metrics: true, durable: true, shared: true, mutations: true },
);
