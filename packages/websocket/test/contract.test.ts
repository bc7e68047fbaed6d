// The transport contract suite over real sockets on 127.0.0.1: our client on `ws`, our server.

import { describeTransportContract, type TransportHarness } from '@state-sync/contract-tests';
import { createSource } from '@state-sync/core';
import { openStack } from './harness';

async function createWebSocketHarness(): Promise<TransportHarness> {
  const stack = await openStack();
  return {
    get source() {
      return stack.source;
    },
    connect: () => stack.client(),
    async restart(initial) {
      const source = createSource();
      for (const [topic, data] of Object.entries(initial)) source.topic(topic, { initial: data });
      await stack.restart({ source });
    },
    sendRaw(topic, payload) {
      for (const connection of stack.server.connections()) {
        if (!connection.topics.has(topic)) continue;
        // The payload as a frame of its own, and as the body of an `invalidate`.
        connection.sendRaw(JSON.stringify(payload) ?? 'undefined');
        if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
          connection.sendRaw(JSON.stringify({ ...payload, type: 'invalidate' }));
        }
      }
    },
    close: () => stack.close(),
  };
}

describeTransportContract('websocket', createWebSocketHarness, { timeScale: 2, leakCycles: 1000 });
