// The whole transport contract against Tauri's official mocks (mockIPC with event mocking), with
// the Rust side played by a TypeScript stand-in, and the real listen/invoke of @tauri-apps/api.

import { describeTransportContract, type TransportHarness } from '@state-sync/contract-tests';
import type { Source } from '@state-sync/core';
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { createTauriProvider, createTauriSubscriber } from '../src/index';
import { startRustStandIn } from './rust-stand-in';

function createTauriHarness(): TransportHarness {
  const rust = startRustStandIn();
  // In Tauri the listener registry lives on the Rust side, next to the source, so the source's
  // listener count includes it: the leak scenarios then prove every unlisten reached "Rust".
  const source: Source = {
    topic: (name, options) => rust.source.topic(name, options),
    getEpoch: () => rust.source.getEpoch(),
    subscribe: (listener) => rust.source.subscribe(listener),
    listenerCount: () => rust.source.listenerCount() + rust.rustListenerCount(),
    close: () => rust.source.close(),
  };
  return {
    source,
    connect() {
      // One endpoint = one window: its own subscriber, shared by every topic it syncs.
      const subscriber = createTauriSubscriber({ listen });
      return {
        subscriber: () => subscriber,
        provider: <T>(topic: string) => createTauriProvider<T>({ topic, invoke }),
        listenerCount: () => subscriber.listenerCount(),
        close: () => subscriber.close(),
      };
    },
    restart: (initial) => rust.reset(initial),
    sendRaw: (_topic, payload) => rust.emitRaw(payload),
    close: () => rust.close(),
  };
}

describeTransportContract('tauri (mockIPC)', createTauriHarness);
