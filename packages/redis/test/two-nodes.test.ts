// Two server nodes on one Redis, 100 WebSocket clients on each (DESIGN.md "Stores"). Beacons are
// a minute apart, so everything here converges through pub/sub and the anti-entropy pass alone.
import type { SnapshotEnvelope } from '@state-sync/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isStateSyncRedisError, type RedisStoreOptions } from '../src/index';
import { closeAll, type Node, openNode, openViewers, shown, type Viewer } from './nodes';
import {
  deletePrefix,
  type Fixture,
  killSubscribers,
  openFixture,
  REDIS_URL,
  redisAvailable,
} from './redis-harness';
import { openTcpProxy } from './tcp-proxy';

type Board = { count: number; by: string[] };
const initial: Board = { count: 0, by: [] };
const CLIENTS_PER_NODE = 100;

describe.skipIf(!redisAvailable)('two nodes on one Redis', () => {
  let fixture: Fixture | undefined;
  let nodes: Node[] = [];
  let viewers: Viewer[] = [];
  afterEach(async () => {
    await closeAll(nodes, viewers);
    await fixture?.dispose();
    fixture = undefined;
    nodes = [];
    viewers = [];
  });

  async function open(bOptions?: RedisStoreOptions): Promise<{ a: Node; b: Node; f: Fixture }> {
    fixture = await openFixture();
    nodes = [await openNode(fixture), await openNode(fixture, bOptions)];
    for (const node of nodes) viewers.push(...openViewers(node, 'board', CLIENTS_PER_NODE));
    // Every client has its first snapshot before the test writes.
    await vi.waitFor(() => expect(viewers.every((viewer) => viewer.last())).toBe(true), {
      timeout: 10_000,
    });
    return { a: nodes[0]!, b: nodes[1]!, f: fixture };
  }

  const bump = (node: Node, name: string) =>
    node.source.topic<Board>('board', { initial }).update((board) => ({
      count: board.count + 1,
      by: [...board.by, name].slice(-5),
    }));

  async function expectConverged(node: Node): Promise<SnapshotEnvelope<Board>> {
    const truth = await node.source.topic<Board>('board').get();
    const expected = JSON.stringify([truth.epoch, truth.revision, truth.data]);
    await vi.waitFor(() => expect(shown(viewers)).toStrictEqual([expected]), { timeout: 10_000 });
    return truth;
  }

  it('brings every client on both nodes to the same revision and data after writes on both', async () => {
    const { a, b } = await open();
    for (let i = 0; i < 10; i++) await Promise.all([bump(a, 'a'), bump(b, 'b')]);
    const truth = await expectConverged(a);
    expect(truth).toMatchObject({ revision: '20', data: { count: 20 } });
  });

  it('leaves no client stale after its node lost the pub/sub connection during a stream of writes', async () => {
    // B reaches Redis through a proxy that can hold its reconnect, so a write provably lands
    // while B's subscriber is away (node-redis reconnects at once, the window is otherwise tiny).
    const proxy = await openTcpProxy(new URL(REDIS_URL));
    try {
      const { a, b, f } = await open({ url: proxy.url });
      const passes = b.store.getMetrics().antiEntropyPasses;
      let writing = true;
      const stream = (async () => {
        while (writing) await bump(a, 'a');
      })();
      try {
        await bump(a, 'a');
        proxy.hold();
        expect(await killSubscribers(f.admin, f.prefix)).toBe(2);
        await vi.waitFor(() => expect(b.store.status().subscriber).toBe('reconnecting'));
      } finally {
        writing = false;
        await stream;
      }
      // No pub/sub message, now or later, carries this write to B's clients.
      await bump(a, 'a');
      expect(b.store.status().subscriber).toBe('reconnecting');
      proxy.release();
      await vi.waitFor(() => expect(b.store.status().subscriber).toBe('ready'));
      await b.store.settled();
      expect(b.store.getMetrics().antiEntropyPasses).toBeGreaterThan(passes);
      expect(b.store.getMetrics().antiEntropyEmitted).toBeGreaterThan(0);
      await expectConverged(b);
    } finally {
      await closeAll(nodes, viewers);
      nodes = [];
      viewers = [];
      await proxy.close();
    }
  });

  it('keeps the last state on the clients of a node cut off from Redis, and recovers by itself', async () => {
    const proxy = await openTcpProxy(new URL(REDIS_URL));
    try {
      const { a, b } = await open({ url: proxy.url });
      await Promise.all([bump(a, 'a'), bump(b, 'b')]);
      const before = await expectConverged(a);
      proxy.hold();
      proxy.drop();
      await vi.waitFor(() =>
        expect(b.store.status()).toStrictEqual({
          command: 'reconnecting',
          subscriber: 'reconnecting',
        }),
      );
      const error = await bump(b, 'b').catch((e: unknown) => e);
      expect(isStateSyncRedisError(error) && error.code).toBe('unavailable');
      await bump(a, 'a'); // A still reaches Redis; B's clients cannot hear of it yet
      const ofB = viewers.slice(CLIENTS_PER_NODE);
      await Promise.all(ofB.map((viewer) => viewer.handle.refresh().catch(() => {})));
      for (const viewer of ofB) {
        expect(viewer.handle.getStatus()).toBe('error');
        expect(viewer.last()).toMatchObject({ revision: before.revision, data: before.data });
      }
      proxy.release();
      const after = await expectConverged(a);
      expect(after).toMatchObject({ epoch: before.epoch, revision: '3' });
    } finally {
      await closeAll(nodes, viewers);
      nodes = [];
      viewers = [];
      await proxy.close();
    }
  });

  it('moves every client to a new epoch, consistently, when Redis loses the data mid-run', async () => {
    const { a, b, f } = await open();
    for (let i = 0; i < 3; i++) await Promise.all([bump(a, 'a'), bump(b, 'b')]);
    const before = await expectConverged(a);
    // FLUSHALL, limited to this test's keys (the Redis is shared).
    expect(await deletePrefix(f.admin, f.prefix)).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) await Promise.all([bump(a, 'a'), bump(b, 'b')]);
    const after = await expectConverged(b);
    expect(after.epoch).not.toBe(before.epoch);
    expect(after).toMatchObject({ revision: '6', data: { count: 6 } });
    expect(a.store.getMetrics().epochChanges + b.store.getMetrics().epochChanges).toBeGreaterThan(
      0,
    );
  });
});
