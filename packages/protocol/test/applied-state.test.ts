// createAppliedState: what the WebSocket and HTTP clients give pushed-states as "the state the
// engine applied last". It copies each applied envelope into one object, so a chain of pushed
// deltas must still find every base, and the engine's envelopes must not be held.
import {
  createRevisionSync,
  type RevisionSyncHandle,
  type SnapshotEnvelope,
} from '@state-sync/core';
import { describe, expect, it } from 'vitest';
import { createAppliedState, createPushedStates } from '../src/index';

describe('createAppliedState', () => {
  it('is empty until the first apply, then shows the last applied revision, epoch and data', () => {
    const applied = createAppliedState<{ n: number }>();
    expect(applied.local()).toBeUndefined();
    applied.record({ revision: '1', epoch: 'e', data: { n: 1 } });
    const given = { revision: '2', epoch: 'e', data: { n: 2 } };
    applied.record(given);
    expect(applied.local()).toEqual({ revision: '2', epoch: 'e', data: { n: 2 } });
    // A copy of the fields, not the envelope: the engine's object is not kept.
    expect(applied.local()).not.toBe(given);
    given.revision = '9';
    expect(applied.local()?.revision).toBe('2');
  });

  it('lets an engine apply a chain of pushed deltas, each on the state applied before it', async () => {
    const metrics = { pushed: 0, deltas: 0, deltaFallbacks: 0 };
    const states = createPushedStates({ metrics, reject: () => {} });
    const applied = createAppliedState<{ n: number }>();
    const seen: SnapshotEnvelope<{ n: number }>[] = [];
    let emit: (event: unknown) => void = () => {};
    const pulls: unknown[] = [];
    const getSnapshot = states.provider<{ n: number }>(
      't',
      (): RevisionSyncHandle<{ n: number }> => handle,
      applied,
      async (since) => {
        pulls.push(since);
        return { revision: '1', epoch: 'e', data: { n: 1 } };
      },
      undefined,
    );
    const handle: RevisionSyncHandle<{ n: number }> = createRevisionSync<{ n: number }>({
      topic: 't',
      subscriber: {
        subscribe: async (handler) => {
          emit = handler;
          return () => {};
        },
      },
      provider: { getSnapshot },
      applier: (envelope) => void seen.push(envelope),
    });
    handle.onApply((envelope) => applied.record(envelope));
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
    expect(applied.local()).toEqual({ revision: '4', epoch: 'e', data: { n: 4 } });
    expect(pulls).toEqual([undefined]); // only the first snapshot was pulled
    expect(metrics).toMatchObject({ pushed: 3, deltas: 3, deltaFallbacks: 0 });
  });
});
