// The base a pushed delta starts from is what the engine applied last (handle.getApplied()): a chain
// of pushed deltas must find every base, each on the state applied just before it.
import { createRevisionSync, type SnapshotEnvelope } from '@state-sync/core';
import { describe, expect, it } from 'vitest';
import { createPushedStates } from '../src/index';

describe('pushed deltas on an engine', () => {
  it('lets an engine apply a chain of pushed deltas, each on the state applied before it', async () => {
    const metrics = { pushed: 0, deltas: 0, deltaFallbacks: 0 };
    const states = createPushedStates({ metrics, reject: () => {} });
    const seen: SnapshotEnvelope<{ n: number }>[] = [];
    let emit: (event: unknown) => void = () => {};
    const pulls: unknown[] = [];
    const provider = states.provider<{ n: number }>(
      't',
      async (since) => {
        pulls.push(since);
        return { revision: '1', epoch: 'e', data: { n: 1 } };
      },
      undefined,
    );
    const handle = createRevisionSync<{ n: number }>({
      topic: 't',
      subscriber: {
        subscribe: async (handler) => {
          emit = handler;
          return () => {};
        },
      },
      provider,
      applier: (envelope) => void seen.push(envelope),
    });
    provider.handle = handle;
    await handle.start();
    for (let n = 2; n <= 4; n++) {
      const message = {
        topic: 't',
        revision: String(n),
        epoch: 'e',
        delta: { baseRevision: String(n - 1), ops: [{ op: 'replace', path: '/n', value: n }] },
      };
      states.remember(message);
      emit({ topic: 't', revision: message.revision, epoch: 'e' });
    }
    await Promise.resolve();
    expect(seen.map((e) => e.data.n)).toEqual([1, 2, 3, 4]);
    expect(handle.getApplied()).toEqual({ revision: '4', epoch: 'e', data: { n: 4 } });
    expect(pulls).toEqual([undefined]); // only the first snapshot was pulled
    expect(metrics).toMatchObject({ pushed: 3, deltas: 3, deltaFallbacks: 0 });
  });
});
