// The transport contract suite over real sockets on 127.0.0.1: our client on `ws`, our server.
// Run twice: with plain invalidations (a source without a diff), and with push on — a source
// that computes deltas, so invalidations carry deltas or inline state the client applies.

import { describeTransportContract, type TransportHarness } from '@state-sync/contract-tests';
import { createSource, type Source } from '@state-sync/core';
import { applyDelta } from '@state-sync/protocol';
import { diffStates } from '@state-sync/protocol/diff';
import { openStack } from './harness';

function harnessFactory(newSource: () => Source) {
  return async (): Promise<TransportHarness> => {
    const stack = await openStack({ source: newSource() });
    return {
      get source() {
        return stack.source;
      },
      connect: () => stack.client(),
      async restart(initial) {
        const source = newSource();
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
  };
}

describeTransportContract(
  'websocket',
  harnessFactory(() => createSource()),
  { timeScale: 2, leakCycles: 1000 },
);
describeTransportContract(
  'websocket with deltas pushed',
  harnessFactory(() => createSource({ diff: diffStates, applyDelta })),
  { timeScale: 2, leakCycles: 1000 },
);
