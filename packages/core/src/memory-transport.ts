// An in-process transport over a Source: for tests, single-process apps and the quickstart.
// Deliveries are asynchronous and snapshots are cloned, so it behaves like a real wire.
import type { Source } from './source';
import type { InvalidationSubscriber, SnapshotProvider } from './types';

export interface MemoryTransport {
  subscriber(topic: string): InvalidationSubscriber;
  provider<T>(topic: string): SnapshotProvider<T>;
}

export function createMemoryTransport(source: Source): MemoryTransport {
  return {
    subscriber: (topic) => ({
      async subscribe(handler) {
        let active = true;
        const off = source.topic(topic).subscribe((event) => {
          queueMicrotask(() => {
            if (active) handler(event);
          });
        });
        return () => {
          active = false;
          off();
        };
      },
    }),
    provider: <T>(topic: string) => ({
      async getSnapshot() {
        const envelope = await source.topic<T>(topic).get();
        return { ...envelope, data: structuredClone(envelope.data) };
      },
    }),
  };
}
