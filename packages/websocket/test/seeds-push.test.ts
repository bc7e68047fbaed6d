// The seed systems' own tests, over real sockets with push and deltas on: seed 000's sync test
// cases (full sync on connect, incremental updates, reconnect after changes) and seed 001's
// guarantee table (a gap → resync, the beacon catches drift, a server restart → resync).
import {
  createMemoryStore,
  createSource,
  type InvalidationEvent,
  type Source,
} from '@state-sync/core';
import { applyDelta } from '@state-sync/protocol';
import { diffStates } from '@state-sync/protocol/diff';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStack } from './harness';

type State = { hosts: Record<string, { status: string; version: number }>; pad: string };
const initial: State = {
  hosts: Object.fromEntries(
    Array.from({ length: 50 }, (_, i) => [`h${i}`, { status: 'online', version: 1 }]),
  ),
  pad: 'x'.repeat(2000),
};
const bump = (state: State, host: string): State => ({
  ...state,
  hosts: {
    ...state.hosts,
    [host]: { status: 'updating', version: state.hosts[host]!.version + 1 },
  },
});

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 5000, interval: 5 });

/** A source whose invalidations of the revisions in `dropped` never reach the server. */
function lossy(source: Source, dropped: Set<string>): Source {
  return {
    ...source,
    topic: ((name: string, options?: { initial?: unknown }) => {
      const topic = source.topic(name, options);
      return {
        ...topic,
        subscribe: (listener: (event: InvalidationEvent) => void) =>
          topic.subscribe((event) => {
            if (!dropped.has(event.revision)) listener(event);
          }),
      };
    }) as Source['topic'],
  };
}

async function setup(options: { beaconMs?: number } = {}) {
  const dropped = new Set<string>();
  const real = createSource({
    store: createMemoryStore({ epoch: 'E1' }),
    diff: diffStates,
    applyDelta,
  });
  const source = lossy(real, dropped);
  const stack = await openStack({ source, ...options });
  open.push(stack);
  const topic = real.topic<State>('fleet');
  await topic.set(initial);
  const client = stack.client();
  let local: State | undefined;
  const handle = client.sync<State>('fleet', {
    applier: ({ data }) => {
      local = data;
    },
  });
  await handle.start();
  const converged = async (truthTopic = topic) => {
    const truth = await truthTopic.get();
    await eventually(() => {
      expect(handle.getLocalRevision()).toBe(truth.revision);
      expect(handle.getEpoch()).toBe(truth.epoch);
      expect(local).toEqual(truth.data);
    });
  };
  return { stack, topic, client, handle, dropped, converged, local: () => local };
}

describe('seed 000: sync test cases, deltas on', () => {
  it('full sync on connect', async () => {
    const s = await setup();
    await s.converged();
    expect(s.local()).toEqual(initial);
  });

  it('incremental updates arrive as deltas, no pulls', async () => {
    const s = await setup();
    await s.converged();
    const pulls = s.stack.server.getMetrics().snapshotsSent;
    for (const host of ['h1', 'h2', 'h3']) await s.topic.update((state) => bump(state, host));
    await s.converged();
    expect(s.client.getMetrics().deltas).toBeGreaterThanOrEqual(1);
    expect(s.stack.server.getMetrics().snapshotsSent).toBe(pulls);
  });

  it('reconnect after changes: resumes with one delta', async () => {
    const s = await setup();
    await s.converged();
    await s.stack.stop();
    for (const host of ['h4', 'h5', 'h6']) await s.topic.update((state) => bump(state, host));
    await s.stack.start();
    await s.converged();
    expect(s.stack.server.getMetrics().resumedWithDelta).toBe(1);
  });
});

describe('seed 001: the guarantee table, deltas on', () => {
  it('a missed message (version gap) is detected and resynced; no delta on the wrong base', async () => {
    const s = await setup();
    await s.converged();
    s.dropped.add('2'); // the change to revision 2 never reaches the client
    await s.topic.update((state) => bump(state, 'h1'));
    await s.topic.update((state) => bump(state, 'h2')); // its delta starts at 2: the client is at 1
    await s.converged();
    expect(s.client.getMetrics().deltaFallbacks).toBeGreaterThanOrEqual(1);
  });

  it('the sync beacon catches drift when the last change was lost', async () => {
    const s = await setup({ beaconMs: 100 });
    await s.converged();
    s.dropped.add('2');
    await s.topic.update((state) => bump(state, 'h7'));
    await s.converged(); // only the beacon can tell the client
  });

  it('a server restart (new epoch) is detected and resynced', async () => {
    const s = await setup();
    await s.converged();
    const next = createSource({
      store: createMemoryStore({ epoch: 'E2' }),
      diff: diffStates,
      applyDelta,
    });
    const fresh = next.topic<State>('fleet');
    await fresh.set(bump(initial, 'h9'));
    await s.stack.restart({ source: next });
    await s.converged(fresh);
  });
});
