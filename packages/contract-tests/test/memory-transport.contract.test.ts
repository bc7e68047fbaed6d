// The memory transport from @state-sync/core must pass the whole contract suite.
import { createMemoryTransport, createSource, type Source } from '@state-sync/core';
import type { ClientEndpoint, TransportHarness } from '../src/index';
import { describeTransportContract } from '../src/index';

type Handler = (event: unknown) => void;

/**
 * Serves the current source through core's memory transport. `restart` swaps in a new source and
 * re-attaches every client with a resync event, the way a reconnecting network client would.
 */
function createMemoryHarness(): TransportHarness {
  let source: Source = createSource();
  const attached = new Set<{ topic: string; handler: Handler; off: () => void }>();

  async function attach(entry: {
    topic: string;
    handler: Handler;
    off: () => void;
  }): Promise<void> {
    entry.off = await createMemoryTransport(source)
      .subscriber(entry.topic)
      .subscribe(entry.handler);
  }

  return {
    get source() {
      return source;
    },
    connect(): ClientEndpoint {
      const mine = new Set<{ topic: string; handler: Handler; off: () => void }>();
      return {
        subscriber: (topic) => ({
          async subscribe(handler) {
            const entry = { topic, handler, off: () => {} };
            await attach(entry);
            attached.add(entry);
            mine.add(entry);
            return () => {
              entry.off();
              attached.delete(entry);
              mine.delete(entry);
            };
          },
        }),
        provider: <T>(topic: string) => ({
          getSnapshot: () => createMemoryTransport(source).provider<T>(topic).getSnapshot(),
        }),
        listenerCount: () => mine.size,
        close() {
          for (const entry of mine) {
            entry.off();
            attached.delete(entry);
          }
          mine.clear();
        },
      };
    },
    async restart(initial) {
      const old = source;
      source = createSource();
      for (const [topic, data] of Object.entries(initial)) source.topic(topic, { initial: data });
      for (const entry of attached) {
        entry.off();
        await attach(entry);
        queueMicrotask(() => entry.handler({ topic: entry.topic, resync: true, reason: 'epoch' }));
      }
      await old.close();
    },
    sendRaw(topic, payload) {
      for (const entry of attached)
        if (entry.topic === topic) queueMicrotask(() => entry.handler(payload));
    },
    close: () => source.close(),
  };
}

describeTransportContract('memory', createMemoryHarness);
