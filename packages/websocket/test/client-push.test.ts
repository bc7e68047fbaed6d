// Our client with push on, over real sockets: deltas applied without a round trip and only on
// their exact base, inline state, resume after an outage, and every fault (wrong base, failing
// ops, a state the schema refuses, duplicates, an epoch change) ending on the source's state.
import { createMemoryStore, createSource, type SnapshotEnvelope } from '@state-sync/core';
import { applyDelta } from '@state-sync/protocol';
import { diffStates } from '@state-sync/protocol/diff';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StateSyncWebSocketError, SyncClient } from '../src/index';
import { openStack, type Stack } from './harness';

type Board = { items: { id: number; done: boolean; name: string }[] };
const board = (n: number): Board => ({
  items: Array.from({ length: n }, (_, id) => ({ id, done: false, name: `item ${id}` })),
});
const toggle = (state: Board, id: number): Board => ({
  items: state.items.map((item) => (item.id === id ? { ...item, done: !item.done } : item)),
});

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 5000, interval: 5 });

async function setup(clientOptions: { push?: boolean; schema?: unknown } = {}) {
  const source = createSource({
    store: createMemoryStore({ epoch: 'E' }),
    diff: diffStates,
    applyDelta,
  });
  const stack: Stack = await openStack({ source });
  open.push(stack);
  const errors: StateSyncWebSocketError[] = [];
  const client: SyncClient = stack.client({
    onError: (e) => errors.push(e),
    ...(clientOptions.push === false ? { push: false } : {}),
  });
  const topic = source.topic<Board>('b');
  await topic.set(board(200));
  const applied: SnapshotEnvelope<Board>[] = [];
  const handle = client.sync<Board>('b', {
    applier: { apply: (envelope) => void applied.push(envelope) },
    ...(clientOptions.schema ? { schema: clientOptions.schema as never } : {}),
  });
  await handle.start();
  await eventually(() => expect(handle.getLocalRevision()).toBe('1'));
  const converged = async () => {
    const truth = await topic.get();
    await eventually(() => {
      expect(handle.getLocalRevision()).toBe(truth.revision);
      expect(applied.at(-1)?.data).toEqual(truth.data);
    });
  };
  return { stack, source, topic, client, handle, applied, errors, converged };
}

describe('push with our client', () => {
  it('applies a pushed delta with no pull, sharing every untouched subtree', async () => {
    const s = await setup();
    const pulls = s.stack.server.getMetrics().snapshotsSent;
    await s.topic.update((state) => toggle(state, 7));
    await s.converged();
    expect(s.stack.server.getMetrics().snapshotsSent).toBe(pulls);
    expect(s.client.getMetrics()).toMatchObject({ pushed: 1, deltas: 1, deltaFallbacks: 0 });
    const [before, after] = s.applied.slice(-2) as [
      SnapshotEnvelope<Board>,
      SnapshotEnvelope<Board>,
    ];
    expect(after.data.items[8]).toBe(before.data.items[8]);
    expect(after.data.items[7]).toEqual({ id: 7, done: true, name: 'item 7' });
  });

  it('a topic synced again after its engine stopped is pushed to again, and pulled only once', async () => {
    const s = await setup();
    s.handle.stop(); // the topic's last engine: the client unsubscribes, its route keeps the slot
    await s.topic.update((state) => toggle(state, 3)); // not sent: nobody is subscribed
    const applied: SnapshotEnvelope<Board>[] = [];
    const again = s.client.sync<Board>('b', {
      applier: { apply: (envelope) => void applied.push(envelope) },
    });
    await again.start();
    expect(again.getLocalRevision()).toBe('2'); // its first snapshot, pulled
    const pulls = s.stack.server.getMetrics().snapshotsSent;
    const before = s.client.getMetrics();
    await s.topic.update((state) => toggle(state, 4));
    await eventually(() => expect(again.getLocalRevision()).toBe('3'));
    expect(applied.at(-1)?.data).toEqual((await s.topic.get()).data);
    expect(s.stack.server.getMetrics().snapshotsSent).toBe(pulls);
    expect(s.client.getMetrics().deltas).toBe(before.deltas + 1);
    expect(s.client.listenerCount()).toBe(1);
  });

  it('an old client (push: false) gets plain invalidations and converges by pulling', async () => {
    const s = await setup({ push: false });
    await s.topic.update((state) => toggle(state, 1));
    await s.topic.update((state) => toggle(state, 2));
    await s.converged();
    expect(s.client.getMetrics()).toMatchObject({ pushed: 0, deltas: 0 });
    expect(s.stack.server.getMetrics().deltasPushed).toBe(0);
  });

  it('resumes after an outage with one delta from the log', async () => {
    const s = await setup();
    await s.stack.stop();
    for (const id of [3, 4, 5]) await s.topic.update((state) => toggle(state, id));
    await s.stack.start();
    await s.converged();
    expect(s.stack.server.getMetrics().resumedWithDelta).toBe(1);
    expect(s.client.getMetrics().deltas).toBe(1);
  });
});

describe('faults: a delta is never applied on another base', () => {
  function inject(s: Awaited<ReturnType<typeof setup>>, frame: unknown) {
    for (const connection of s.stack.server.connections())
      connection.sendRaw(JSON.stringify(frame));
  }

  it('a delta on a wrong base is not applied; the client pulls and converges', async () => {
    const s = await setup();
    // claims to turn revision "0" into "9": applied to revision "1" it would corrupt the state
    inject(s, {
      type: 'invalidate',
      topic: 'b',
      revision: '9',
      epoch: 'E',
      delta: { baseRevision: '0', ops: [{ op: 'replace', path: '/items', value: [] }] },
    });
    await s.topic.update((state) => toggle(state, 1));
    await s.converged();
    for (const envelope of s.applied) expect(envelope.data.items).toHaveLength(200);
  });

  it('ops that fail are reported as delta_rejected and the client pulls', async () => {
    const s = await setup();
    inject(s, {
      type: 'invalidate',
      topic: 'b',
      revision: '2',
      epoch: 'E',
      delta: { baseRevision: '1', ops: [{ op: 'remove', path: '/nothing/here' }] },
    });
    await eventually(() => expect(s.errors.map((e) => e.code)).toContain('delta_rejected'));
    await s.topic.update((state) => toggle(state, 1));
    await s.converged();
    expect(s.client.getMetrics().deltaFallbacks).toBeGreaterThanOrEqual(1);
  });

  it('a patched state the schema refuses is reported and pulled instead', async () => {
    const schema = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value: unknown) =>
          (value as Board).items.length === 200
            ? { value }
            : { issues: [{ message: 'a board has 200 items' }] },
      },
    };
    const s = await setup({ schema });
    inject(s, {
      type: 'invalidate',
      topic: 'b',
      revision: '2',
      epoch: 'E',
      delta: { baseRevision: '1', ops: [{ op: 'remove', path: '/items/0' }] },
    });
    await eventually(() => expect(s.errors.map((e) => e.code)).toContain('delta_rejected'));
    await s.topic.update((state) => toggle(state, 1));
    await s.converged();
    for (const envelope of s.applied) expect(envelope.data.items).toHaveLength(200);
  });

  it('duplicated and reordered deltas, and a delta from another epoch, change nothing', async () => {
    const s = await setup();
    const real = { op: 'replace', path: '/items/3/done', value: true };
    await s.topic.patch([real]);
    await s.converged();
    const frame = {
      type: 'invalidate',
      topic: 'b',
      revision: '2',
      epoch: 'E',
      delta: { baseRevision: '1', ops: [real] },
    };
    inject(s, frame); // duplicate of one already applied
    inject(s, {
      ...frame,
      revision: '3',
      epoch: 'OTHER',
      delta: { baseRevision: '2', ops: [real] },
    });
    await s.topic.update((state) => toggle(state, 9));
    await s.converged();
    expect(s.applied.at(-1)?.data.items[3]?.done).toBe(true);
  });
});
