// The transport contract suite over real HTTP on 127.0.0.1: our client on Node's fetch, our
// handler on node:http.
import { describeTransportContract, type TransportHarness } from '@state-sync/contract-tests';
import { createSource } from '@state-sync/core';
import { openStack } from './harness';

async function createHttpHarness(): Promise<TransportHarness> {
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
      for (const stream of stack.handler.streams()) {
        if (!stream.topics.has(topic)) continue;
        // The payload as an event of its own, and as the body of an `invalidate`.
        stream.sendRaw(`data: ${JSON.stringify(payload) ?? 'undefined'}\n\n`);
        if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
          stream.sendRaw(`data: ${JSON.stringify({ ...payload, type: 'invalidate' })}\n\n`);
        }
      }
    },
    close: () => stack.close(),
  };
}

describeTransportContract('http', createHttpHarness, { timeScale: 2, leakCycles: 1000 });
