// The broadcast-channel transport must pass the whole contract suite in Node, where
// BroadcastChannel is global: the harness's source is the host's, every connect() is a client on
// its own channel instance, restart is a new host over a fresh store.

import type { TransportHarness } from '@state-sync/contract-tests';
import { describeTransportContract } from '@state-sync/contract-tests';
import { createMemoryStore, createSource, randomId, type Source } from '@state-sync/core';
import { afterAll, expect } from 'vitest';
import {
  type BroadcastChannelHost,
  createBroadcastChannelClient,
  createBroadcastChannelHost,
  defaultChannelName,
  PROTOCOL_MARKER,
  PROTOCOL_VERSION,
} from '../src/index';

/** Invalidations posted with their change, over every test of the suite. */
const fastPath = { pushed: 0, deltas: 0 };

function createBroadcastChannelHarness(): TransportHarness {
  const appId = `contract-${randomId()}`;
  // Push and resume on: the host is given its store (for `readSince`) and every client announces
  // delta, inline and resume, so the suite runs over the fast path.
  let store = createMemoryStore();
  let source: Source = createSource({ store });
  let host: BroadcastChannelHost = createBroadcastChannelHost({ appId, source, store });

  return {
    get source() {
      return source;
    },
    connect() {
      const client = createBroadcastChannelClient({ appId });
      return {
        subscriber: (topic) => client.subscriber(topic),
        provider: (topic) => client.provider(topic),
        listenerCount: () => client.listenerCount(),
        close: () => client.close(),
      };
    },
    async restart(initial) {
      fastPath.pushed += host.getMetrics().pushed;
      host.close();
      const old = source;
      store = createMemoryStore();
      source = createSource({ store });
      for (const [topic, data] of Object.entries(initial)) source.topic(topic, { initial: data });
      // The new host announces itself; every client resubscribes and pulls (new epoch).
      host = createBroadcastChannelHost({ appId, source, store });
      await old.close();
    },
    sendRaw(topic, raw) {
      // A channel carries only what structured clone can copy (no functions): send what a
      // misbehaving window could actually send, the JSON-able remains of the payload.
      const payload = cloneable(raw) ? raw : JSON.parse(JSON.stringify(raw));
      const channel = new BroadcastChannel(defaultChannelName(appId));
      try {
        // Once as is (foreign: ignored) and once dressed as one of our invalidations (invalid:
        // reported through the client's onError, never reaching an engine).
        channel.postMessage(payload);
        const header = {
          ss: PROTOCOL_MARKER,
          v: PROTOCOL_VERSION,
          app: appId,
          from: 'raw',
          type: 'invalidate',
          topic,
        };
        channel.postMessage(
          typeof payload === 'object' && payload !== null
            ? { ...header, ...payload }
            : { ...header, revision: payload },
        );
      } finally {
        channel.close();
      }
    },
    async close() {
      fastPath.pushed += host.getMetrics().pushed;
      fastPath.deltas += host.getMetrics().deltas;
      host.close();
      await source.close();
    },
  };
}

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

describeTransportContract('broadcast-channel', createBroadcastChannelHarness);

// The suite ran over the fast path, not around it.
afterAll(() => {
  expect(fastPath.pushed).toBeGreaterThan(0);
});
