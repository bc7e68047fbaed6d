// Compatibility: a tab of the version before push (no features announced, the v1 schemas below,
// copied from that version's protocol.ts) keeps converging next to hosts and tabs that push.
import { createRevisionSync, isRevision, randomId, type SnapshotEnvelope } from '@state-sync/core';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import * as z from 'zod/mini';
import { defaultChannelName, PROTOCOL_MARKER, PROTOCOL_VERSION } from '../src/index';
import { openWire, uniqueAppId } from './helpers';
import { bigState, clientTab, hostWorld } from './push-helpers';

const revision = z.string().check(z.refine(isRevision));
const header = {
  ss: z.literal(PROTOCOL_MARKER),
  v: z.literal(1),
  app: z.string(),
  from: z.string(),
};
const v1Invalidate = z.object({
  ...header,
  type: z.literal('invalidate'),
  topic: z.string(),
  revision,
  epoch: z.optional(z.string()),
  sourceId: z.optional(z.string()),
});
const v1Snapshot = z.object({
  ...header,
  type: z.literal('snapshot'),
  to: z.string(),
  id: z.string(),
  topic: z.string(),
  revision,
  epoch: z.optional(z.string()),
  data: z.unknown(),
});

/** A v1 tab: subscribes without features, reads invalidations with the v1 schema, pulls with `get`. */
async function oldTab<T>(appId: string, topic: string) {
  const id = `old-${randomId()}`;
  const channel = new BroadcastChannel(defaultChannelName(appId));
  const send = (body: Record<string, unknown>) =>
    channel.postMessage({
      ss: PROTOCOL_MARKER,
      v: PROTOCOL_VERSION,
      app: appId,
      from: id,
      ...body,
    });
  const seen: Record<string, unknown>[] = [];
  let handler: ((event: unknown) => void) | undefined;
  const waiting = new Map<string, (envelope: SnapshotEnvelope<T>) => void>();
  channel.onmessage = (event: MessageEvent) => {
    const invalidate = v1Invalidate.safeParse(event.data);
    if (invalidate.success) {
      seen.push(invalidate.data);
      handler?.({ ...invalidate.data });
      return;
    }
    const snapshot = v1Snapshot.safeParse(event.data);
    if (snapshot.success && snapshot.data.to === id) {
      const { revision: r, epoch, data } = snapshot.data;
      waiting.get(snapshot.data.id)?.({
        revision: r,
        ...(epoch ? { epoch } : {}),
        data: data as T,
      });
    }
  };
  const applied: SnapshotEnvelope<T>[] = [];
  const engine = createRevisionSync<T>({
    topic,
    subscriber: {
      async subscribe(h) {
        handler = h;
        send({ type: 'subscribe', topics: [topic] });
        return () => {
          handler = undefined;
        };
      },
    },
    provider: {
      getSnapshot: () =>
        new Promise((resolve) => {
          const requestId = randomId();
          waiting.set(requestId, resolve);
          send({ type: 'get', id: requestId, topic });
        }),
    },
    applier: (envelope) => void applied.push(envelope),
  });
  onTestFinished(() => {
    engine.stop();
    channel.close();
  });
  await engine.start();
  return { engine, seen, data: () => applied.at(-1)?.data };
}

type Board = ReturnType<typeof bigState>;

describe('a tab of the version before push', () => {
  it('alone on a topic, gets plain invalidations and converges', async () => {
    const appId = uniqueAppId('old');
    const world = hostWorld(appId);
    await world.write('board', bigState(5));
    const old = await oldTab<Board>(appId, 'board');
    const wire = openWire(appId);
    const next = { ...bigState(5), title: 'changed' };
    const written = await world.write('board', next);
    await vi.waitFor(() => expect(old.engine.getLocalRevision()).toBe(written.revision));
    expect(old.data()).toEqual(next);
    await vi.waitFor(() => expect(wire.of('invalidate')).toHaveLength(1));
    expect(wire.of('invalidate')[0]).not.toHaveProperty('delta');
    expect(wire.of('invalidate')[0]).not.toHaveProperty('data');
    expect(world.host.getMetrics().pushed).toBe(0);
  });

  it('next to a tab that takes deltas, reads the same invalidation as a plain one and converges', async () => {
    const appId = uniqueAppId('mixed');
    const world = hostWorld(appId);
    await world.write('board', bigState(5));
    const old = await oldTab<Board>(appId, 'board');
    const fresh = await clientTab<Board>(appId, 'board');
    const wire = openWire(appId);
    let state = bigState(5);
    let written: SnapshotEnvelope<unknown> | undefined;
    for (const title of ['a', 'b', 'c']) {
      state = { ...state, title };
      written = await world.write('board', state);
    }
    for (const tab of [old, fresh]) {
      await vi.waitFor(() => expect(tab.engine.getLocalRevision()).toBe(written!.revision));
      expect(tab.data()).toEqual(state);
    }
    await vi.waitFor(() => expect(wire.of('invalidate')).toHaveLength(3));
    expect(wire.of('invalidate').every((m) => m.delta !== undefined)).toBe(true);
    expect(old.seen.every((m) => !('delta' in m))).toBe(true); // the v1 schema dropped it
    expect(fresh.client.getMetrics().deltas).toBeGreaterThan(0);
  });
});
