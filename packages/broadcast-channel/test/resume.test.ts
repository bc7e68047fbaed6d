// Resume: a tab that missed changes pulls with `since` (the state its engine shows) and gets one
// combined delta from the store's log, or the whole state when the log no longer reaches back.
import type { SnapshotEnvelope } from '@state-sync/core';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { createMemoryLocks, createTabSync } from '../src/index';
import { openWire, uniqueAppId } from './helpers';
import { bigState, clientTab, faultyChannel, hostWorld } from './push-helpers';

type Board = ReturnType<typeof bigState>;

async function missThreeChanges(maxEntries: number) {
  const appId = uniqueAppId('resume');
  const world = hostWorld(appId, { deltaLog: { maxEntries } });
  let state = bigState(100);
  await world.write('board', state);
  let offline = false;
  const faulty = faultyChannel({ next: () => (offline ? 'drop' : 'pass') });
  const tab = await clientTab<Board>(appId, 'board', { Channel: faulty.Channel });
  const wire = openWire(appId);
  offline = true;
  for (const index of [3, 50, 900]) {
    const items = [...state.items];
    items[index] = { ...items[index], done: true };
    state = { ...state, items };
    await world.write('board', state);
  }
  await vi.waitFor(() => expect(wire.of('invalidate')).toHaveLength(3));
  expect(tab.engine.getLocalRevision()).toBe('1'); // it heard none of them
  offline = false;
  await tab.engine.refresh(); // what a reconnect or a beacon does: pull from the source
  expect(tab.engine.getLocalRevision()).toBe('4');
  expect(tab.data()).toEqual(state);
  await vi.waitFor(() => expect(wire.of('snapshot')).toHaveLength(1));
  const [reply] = wire.of('snapshot');
  return { reply: reply!, wire, tab, world };
}

describe('resume', () => {
  it('a tab that missed 3 small changes of a 100 KB state receives one delta of at most 2 KB', async () => {
    const { reply, wire, tab, world } = await missThreeChanges(100);
    expect(wire.of('get')[0]).toMatchObject({ since: { revision: '1' } });
    expect(reply).not.toHaveProperty('data');
    expect((reply.delta as { ops: unknown[] }).ops).toHaveLength(3);
    const bytes = JSON.stringify(reply).length;
    expect(bytes).toBeLessThanOrEqual(2048);
    expect(JSON.stringify(tab.data()).length).toBeGreaterThan(100_000);
    expect(world.host.getMetrics().resumed).toBe(1);
    expect(tab.client.getMetrics().deltas).toBe(1);
  });

  it('a tab gets the whole state when the log no longer reaches back to its revision', async () => {
    const { reply, world } = await missThreeChanges(2);
    expect(reply).not.toHaveProperty('delta');
    expect(JSON.stringify(reply.data).length).toBeGreaterThan(100_000);
    expect(world.host.getMetrics().resumed).toBe(0);
  });

  it('under createTabSync with its IndexedDB store, a tab back from missed changes gets one delta', async () => {
    const appId = uniqueAppId('tab-resume');
    const common = { appId, locks: createMemoryLocks(), indexedDB: new IDBFactory() };
    const host = createTabSync({ ...common, initial: { board: bigState(20) } });
    let offline = false;
    const faulty = faultyChannel({ next: () => (offline ? 'drop' : 'pass') });
    const other = createTabSync({ ...common, BroadcastChannel: faulty.Channel });
    const applied: SnapshotEnvelope<Board>[] = [];
    const engine = other.sync<Board>('board', { applier: (e) => void applied.push(e) });
    await engine.start();
    await vi.waitFor(() => expect(host.isHost()).toBe(true));
    const wire = openWire(appId);
    offline = true;
    let state = bigState(20);
    for (const index of [1, 2, 3]) {
      state = { ...state, title: `v${index}` };
      await host.set('board', state);
    }
    await vi.waitFor(() => expect(wire.of('invalidate')).toHaveLength(3));
    offline = false;
    await engine.refresh();
    expect(applied.at(-1)?.data).toEqual(state);
    await vi.waitFor(() => expect(wire.of('snapshot', `${host.id}:host`)).toHaveLength(1));
    const reply = wire.of('snapshot', `${host.id}:host`)[0]!;
    expect(reply).toHaveProperty('delta');
    expect(JSON.stringify(reply).length).toBeLessThan(1000);
    engine.stop();
    await other.close();
    await host.close();
  });
});
