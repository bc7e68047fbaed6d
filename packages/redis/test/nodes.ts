// Server nodes for the multi-node tests: each has its own Redis connections (its own store), its
// own source and its own `createSyncServer`, all on one Redis; and WebSocket clients on each.
import {
  createSource,
  type RevisionSyncHandle,
  type SnapshotEnvelope,
  type Source,
} from '@state-sync/core';
import { createSyncClient, type SyncClient } from '@state-sync/websocket';
import { createSyncServer, type SyncServer } from '@state-sync/websocket/server';
import { WebSocket } from 'ws';
import type { RedisStore, RedisStoreOptions } from '../src/index';
import type { Fixture } from './redis-harness';

export interface Node {
  readonly store: RedisStore;
  readonly source: Source;
  readonly server: SyncServer;
}

export interface Viewer {
  readonly client: SyncClient;
  readonly handle: RevisionSyncHandle;
  /** The last envelope the client applied. */
  last(): SnapshotEnvelope<unknown> | undefined;
}

export async function openNode(fixture: Fixture, options?: RedisStoreOptions): Promise<Node> {
  const store = await fixture.store(options);
  const source = createSource({ store, maxWriteAttempts: 1_000 });
  // Beacons every minute: convergence in these tests must not depend on them.
  const server = await createSyncServer({
    source,
    port: 0,
    host: '127.0.0.1',
    beaconMs: 60_000,
    rateLimit: false,
  });
  return { store, source, server };
}

export function openViewers(node: Node, topic: string, count: number): Viewer[] {
  return Array.from({ length: count }, () => {
    const client = createSyncClient({
      url: node.server.url!,
      WebSocket,
      browserEvents: false,
      reconnect: { baseDelayMs: 10, maxDelayMs: 100 },
    });
    let last: SnapshotEnvelope<unknown> | undefined;
    const handle = client.sync(topic, {
      applier: (envelope) => {
        last = envelope;
      },
    });
    return { client, handle, last: () => last };
  });
}

export async function closeAll(nodes: Node[], viewers: Viewer[]): Promise<void> {
  await Promise.all(viewers.map((viewer) => viewer.client.close()));
  for (const node of nodes) {
    await node.server.close();
    await node.source.close();
  }
}

/** What the viewers show, grouped: one entry means they all agree. */
export function shown(viewers: Viewer[]): string[] {
  const views = new Set(
    viewers.map((viewer) => {
      const envelope = viewer.last();
      return JSON.stringify(envelope && [envelope.epoch, envelope.revision, envelope.data]);
    }),
  );
  return [...views];
}
