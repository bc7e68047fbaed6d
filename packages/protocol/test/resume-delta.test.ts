// resumeDelta (server side of resume, shared by the transports) and createPushedStates (client
// side of push): the base rule, the log's reach, the size rule and the bound on kept changes.
import {
  createMemoryStore,
  createSource,
  type RefreshReason,
  type SnapshotEnvelope,
} from '@state-sync/core';
import { describe, expect, it } from 'vitest';
import { diffStates } from '../src/diff';
import { createPushedStates, keepPushed, resumeDelta } from '../src/index';

const big = (title: string) => ({
  title,
  items: Array.from({ length: 200 }, (_, i) => `item ${i}`),
});

describe('resumeDelta', () => {
  it('combines the log after a position into one delta ending at the current revision', async () => {
    const source = createSource({ diff: diffStates });
    const topic = source.topic('t');
    const first = await topic.set(big('a'));
    await topic.set(big('b'));
    const last = await topic.set(big('c'));
    const delta = await resumeDelta(source, 't', { epoch: first.epoch!, revision: first.revision });
    expect(delta).toMatchObject({ baseRevision: first.revision, revision: last.revision });
    expect(JSON.parse(delta!.json)).toEqual({ baseRevision: first.revision, ops: delta!.ops });
  });

  it('answers undefined when the log does not reach back, for another epoch, when current, or when not smaller than the state', async () => {
    const source = createSource({
      diff: diffStates,
      store: createMemoryStore({ deltaLog: { maxEntries: 1 } }),
    });
    const topic = source.topic('t');
    const first = await topic.set(big('a'));
    await topic.set(big('b'));
    const last = await topic.set(big('c'));
    const epoch = first.epoch!;
    expect(await resumeDelta(source, 't', { epoch, revision: first.revision })).toBeUndefined();
    expect(
      await resumeDelta(source, 't', { epoch: 'other', revision: first.revision }),
    ).toBeUndefined();
    expect(await resumeDelta(source, 't', { epoch, revision: last.revision })).toBeUndefined();
    const small = source.topic('s');
    const one = await small.set({ n: 1 });
    await small.set({ n: 2 });
    expect(await resumeDelta(source, 's', { epoch, revision: one.revision })).toBeUndefined();
  });
});

describe('createPushedStates', () => {
  function harness(
    local: SnapshotEnvelope<unknown> | undefined,
    validate?: (value: unknown) => boolean | Promise<boolean>,
  ) {
    const metrics = { pushed: 0, deltas: 0, deltaFallbacks: 0 };
    const rejected: string[] = [];
    const states = createPushedStates({
      metrics,
      reject: (_topic, message) => rejected.push(message),
      maxPerTopic: 2,
    });
    const pulls: unknown[] = [];
    const pushed = states.provider(
      't',
      async (since) => {
        pulls.push(since);
        return { revision: '9', epoch: 'e', data: 'pulled' };
      },
      validate,
    );
    pushed.handle = { getApplied: () => local };
    const provider = (context: { reason: RefreshReason }) => pushed.getSnapshot(context);
    return { states, provider, metrics, rejected, pulls };
  }

  it('applies a chain of deltas from the local revision, and keeps at most maxPerTopic changes', async () => {
    const h = harness({ revision: '1', epoch: 'e', data: { n: 1 } });
    const delta = (from: number) => ({
      topic: 't',
      revision: String(from + 1),
      epoch: 'e',
      delta: { baseRevision: String(from), ops: [{ op: 'replace', path: '/n', value: from + 1 }] },
    });
    for (const from of [1, 2, 3]) h.states.remember(delta(from));
    // 1→2 was dropped by the bound: the chain cannot start, so it pulls from its own revision.
    expect(await h.provider({ reason: 'invalidation' })).toMatchObject({ data: 'pulled' });
    expect(h.pulls).toEqual([{ epoch: 'e', revision: '1' }]);
    h.states.remember(delta(1));
    h.states.remember(delta(2));
    expect(await h.provider({ reason: 'invalidation' })).toEqual({
      revision: '3',
      epoch: 'e',
      data: { n: 3 },
    });
    expect(h.metrics).toMatchObject({ pushed: 1, deltas: 2 });
  });

  it('reports a delta that does not apply and pulls; uses pushed state only for invalidations', async () => {
    const h = harness({ revision: '1', epoch: 'e', data: { n: 1 } });
    h.states.remember({
      topic: 't',
      revision: '2',
      epoch: 'e',
      delta: { baseRevision: '1', ops: [{ op: 'remove', path: '/missing' }] },
    });
    expect(await h.provider({ reason: 'invalidation' })).toMatchObject({ data: 'pulled' });
    expect(h.rejected).toHaveLength(1);
    h.states.remember({ topic: 't', revision: '5', epoch: 'e', data: 'inline' });
    expect(await h.provider({ reason: 'reconnect' })).toMatchObject({ data: 'pulled' });
    h.states.remember({ topic: 't', revision: '5', epoch: 'e', data: 'inline' });
    expect(await h.provider({ reason: 'invalidation' })).toMatchObject({ data: 'inline' });
  });

  it('answers from pushed state synchronously when the schema is: the provider returns the envelope itself, the delta applied and checked', async () => {
    const log: string[] = [];
    const h = harness({ revision: '1', epoch: 'e', data: { n: 1 } }, (value) => {
      log.push(`validate ${JSON.stringify(value)}`);
      return true;
    });
    h.states.remember({
      topic: 't',
      revision: '2',
      epoch: 'e',
      delta: { baseRevision: '1', ops: [{ op: 'replace', path: '/n', value: 2 }] },
    });
    const answer = h.provider({ reason: 'invalidation' });
    log.push('returned');
    expect(log).toStrictEqual(['validate {"n":2}', 'returned']);
    // Not a promise: the engine applies it without a microtask hop.
    expect(answer).toEqual({ revision: '2', epoch: 'e', data: { n: 2 } });
    expect(h.metrics).toMatchObject({ pushed: 1, deltas: 1, deltaFallbacks: 0 });
  });

  it('waits for an async schema, and pulls when it rejects the patched state', async () => {
    const h = harness({ revision: '1', epoch: 'e', data: { n: 1 } }, async (value) => {
      return (value as { n: number }).n < 3;
    });
    const delta = (from: number) => ({
      topic: 't',
      revision: String(from + 1),
      epoch: 'e',
      delta: { baseRevision: String(from), ops: [{ op: 'replace', path: '/n', value: from + 1 }] },
    });
    h.states.remember(delta(1));
    expect(await h.provider({ reason: 'invalidation' })).toEqual({
      revision: '2',
      epoch: 'e',
      data: { n: 2 },
    });
    h.states.remember(delta(1)); // local is still revision 1 in this harness
    h.states.remember({ ...delta(2) });
    // 1→2 passes, 2→3 fails the schema: the chain stops at 2, which is still progress
    expect(await h.provider({ reason: 'invalidation' })).toMatchObject({ revision: '2' });
    expect(h.rejected).toHaveLength(1);
  });

  it('keeps nothing for a topic no provider answers, and forget() empties a topic its provider still reads', async () => {
    const h = harness({ revision: '1', epoch: 'e', data: { n: 1 } });
    const inline = (topic: string, revision: string) => ({
      topic,
      revision,
      epoch: 'e',
      data: { n: Number(revision) },
    });
    // A frame for a topic without a provider is not kept (nothing would ever read it): a provider
    // made afterwards pulls.
    h.states.remember(inline('other', '5'));
    const other = h.states.provider(
      'other',
      async () => ({ revision: '9', epoch: 'e', data: 'pulled' }),
      undefined,
    );
    expect(await other.getSnapshot({ reason: 'invalidation' })).toMatchObject({ data: 'pulled' });
    h.states.remember(inline('t', '2'));
    h.states.forget('t');
    expect(await h.provider({ reason: 'invalidation' })).toMatchObject({ data: 'pulled' });
    // The topic's provider still hears what is pushed after forget() (and after clear()).
    h.states.remember(inline('t', '3'));
    expect(await h.provider({ reason: 'invalidation' })).toMatchObject({ revision: '3' });
    h.states.clear();
    h.states.remember(inline('t', '4'));
    expect(await h.provider({ reason: 'invalidation' })).toMatchObject({ revision: '4' });
  });

  it("keepPushed(slotOf(topic), frame) is remember(frame): the topic's providers answer from it", async () => {
    const h = harness({ revision: '1', epoch: 'e', data: { n: 1 } });
    const slot = h.states.slotOf('t');
    expect(h.states.slotOf('t')).toBe(slot); // one slot per topic, made once
    keepPushed(slot, { topic: 't', revision: '2', epoch: 'e', data: { n: 2 } });
    expect(await h.provider({ reason: 'invalidation' })).toEqual({
      revision: '2',
      epoch: 'e',
      data: { n: 2 },
      topic: 't', // the frame itself is the answer: the engine copies what it applies
    });
    // A slot made before any provider is the one a later provider of its topic reads.
    const early = h.states.slotOf('later');
    keepPushed(early, { topic: 'later', revision: '7', epoch: 'e', data: 'pushed' });
    const later = h.states.provider(
      'later',
      async () => ({ revision: '1', epoch: 'e', data: 'pulled' }),
      undefined,
    );
    expect(await later.getSnapshot({ reason: 'invalidation' })).toMatchObject({ data: 'pushed' });
  });
});
