// Push and deltas over the channel: what the host puts on an invalidation, and how a client tab
// uses it only on exactly the state its engine shows, pulling in every other case.

import { createMemoryStore, createSource } from '@state-sync/core';
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod/mini';
import { createBroadcastChannelHost } from '../src/index';
import { openWire, uniqueAppId } from './helpers';
import { bigState, clientTab, hostWorld } from './push-helpers';

type Board = ReturnType<typeof bigState>;

describe('push and deltas', () => {
  it('a 1-field change of a 100 KB state reaches a tab as a delta: no get, untouched subtrees shared', async () => {
    const appId = uniqueAppId('push');
    const world = hostWorld(appId);
    const state = bigState(100);
    expect(JSON.stringify(state).length).toBeGreaterThan(100_000);
    await world.write('board', state);
    const tab = await clientTab<Board>(appId, 'board');
    const wire = openWire(appId);
    const before = tab.data()!;
    const items = [...state.items];
    items[7] = { ...items[7], done: true };
    const written = await world.write('board', { ...state, items });

    await vi.waitFor(() => expect(tab.engine.getLocalRevision()).toBe(written.revision));
    const invalidate = wire.of('invalidate')[0]!;
    expect(invalidate.delta).toEqual({
      baseRevision: '1',
      ops: [{ op: 'replace', path: '/items/7/done', value: true }],
    });
    expect(JSON.stringify(invalidate).length).toBeLessThan(300);
    expect(wire.of('get')).toEqual([]);
    const after = tab.data()!;
    expect(after.items[7]).toEqual({ ...state.items[7], done: true });
    expect(after.items[6]).toBe(before.items[6]);
    expect(after).not.toBe(before);
    expect(tab.client.getMetrics()).toMatchObject({ pushed: 1, deltas: 1, deltaFallbacks: 0 });
    expect(world.host.getMetrics()).toMatchObject({ pushed: 1, deltas: 1 });
  });

  it('diffs a plain set only when given a diff: the diff library stays out of bundles that do not ask', async () => {
    const { diffStates } = await import('@state-sync/protocol/diff');
    for (const diff of [undefined, diffStates]) {
      const appId = uniqueAppId('opt-in-diff');
      const world = hostWorld(appId, {}, { inlineBytes: 0, ...(diff ? { diff } : {}) });
      const state = bigState(20);
      await world.source.topic('board').set(state); // a plain set: the event carries no delta
      const tab = await clientTab<Board>(appId, 'board');
      // The host diffs against the last state it read for a change, so the first change only
      // primes it; the second is the one under test.
      const primed = await world.source.topic('board').set({ ...state, title: 'primed' });
      await vi.waitFor(() => expect(tab.engine.getLocalRevision()).toBe(primed.revision));
      const wire = openWire(appId);
      const items = [...state.items];
      items[3] = { ...items[3], done: true };
      const written = await world.source.topic('board').set({ ...state, title: 'primed', items });
      await vi.waitFor(() => expect(tab.engine.getLocalRevision()).toBe(written.revision));
      const invalidate = wire.of('invalidate')[0]!;
      if (diff) {
        expect(invalidate.delta).toEqual({
          baseRevision: '2',
          ops: [{ op: 'replace', path: '/items/3/done', value: true }],
        });
        expect(wire.of('get')).toEqual([]);
      } else {
        expect(invalidate).not.toHaveProperty('delta');
        expect(wire.of('get').map((m) => m.topic)).toEqual(['board']);
      }
      expect(tab.data()?.items[3]?.done).toBe(true);
    }
  });

  it('a small state rides whole on the invalidation; a large one changed wholesale is pulled', async () => {
    const appId = uniqueAppId('inline');
    const world = hostWorld(appId, {}, { inlineBytes: 1000 });
    await world.write('small', { a: 1 });
    await world.write('large', bigState(2));
    const small = await clientTab<{ a: number }>(appId, 'small');
    const large = await clientTab<Board>(appId, 'large');
    const wire = openWire(appId);
    await world.write('small', { a: 2 });
    const replaced = bigState(2);
    replaced.items = replaced.items.map((item) => ({ ...item, label: 'changed' }));
    await world.write('large', replaced);
    await vi.waitFor(() => expect(small.data()).toEqual({ a: 2 }));
    await vi.waitFor(() => expect(large.data()).toEqual(replaced));
    const [first, second] = wire.of('invalidate');
    expect(first).toMatchObject({ topic: 'small', data: { a: 2 } });
    expect(second).toMatchObject({ topic: 'large' });
    expect(second).not.toHaveProperty('data');
    expect(second).not.toHaveProperty('delta');
    expect(wire.of('get').map((m) => m.topic)).toEqual(['large']);
  });

  it('a delta whose ops fail is reported as protocol, and the tab pulls the source state', async () => {
    const appId = uniqueAppId('badops');
    const world = hostWorld(appId);
    await world.write('board', bigState(5));
    const tab = await clientTab<Board>(appId, 'board');
    const wire = openWire(appId);
    const envelope = await world.source.topic('board').get();
    // A forged invalidation on the tab's exact base, with ops that cannot apply.
    wire.send({
      type: 'invalidate',
      topic: 'board',
      revision: '2',
      epoch: envelope.epoch,
      delta: { baseRevision: '1', ops: [{ op: 'remove', path: '/missing' }] },
    });
    await vi.waitFor(() => expect(tab.client.getMetrics().deltaFallbacks).toBe(1));
    expect(tab.errors.map((e) => e.phase)).toContain('protocol');
    expect(wire.of('get')).toHaveLength(1);
    await world.write('board', { ...bigState(5), title: 'real' });
    await vi.waitFor(() => expect(tab.data()?.title).toBe('real'));
    expect(tab.engine.getLocalRevision()).toBe('2');
  });

  it('a pushed state the schema rejects is reported as apply and pulled; nothing of it is applied', async () => {
    const appId = uniqueAppId('schema');
    const world = hostWorld(appId);
    await world.write('doc', { n: 1, pad: 'x'.repeat(200) });
    const schema = z.object({ n: z.number().check(z.maximum(5)), pad: z.string() });
    const tab = await clientTab<{ n: number; pad: string }>(appId, 'doc', { schema });
    const wire = openWire(appId);
    await world.write('doc', { n: 9, pad: 'x'.repeat(200) });
    await vi.waitFor(() => expect(tab.errors.some((e) => e.phase === 'apply')).toBe(true));
    await vi.waitFor(() => expect(wire.of('get')).toHaveLength(1)); // the fallback pull
    expect(tab.client.getMetrics()).toMatchObject({ pushed: 0, deltaFallbacks: 1 });
    expect(tab.applied.map((e) => e.data.n)).toEqual([1]);
    await world.write('doc', { n: 3, pad: 'x'.repeat(200) });
    await vi.waitFor(() => expect(tab.data()?.n).toBe(3));
  });

  it('refuses an inlineBytes that is not a non-negative integer', () => {
    const source = createSource({ store: createMemoryStore() });
    for (const inlineBytes of [-1, 1.5, Number.NaN])
      expect(() =>
        createBroadcastChannelHost({ appId: uniqueAppId('bad'), source, inlineBytes }),
      ).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});
