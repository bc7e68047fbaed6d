// What every tab runs: a client end, plus a place in the host election (Web Locks). The tab that
// holds the lock hosts a Source over an IndexedDB store; when it closes, the lock passes to the
// next tab, which reads the same store (same epoch) and takes over.
import {
  createRevisionSync,
  createSource,
  type MutatorsByTopic,
  type RevisionSyncHandle,
  type RevisionSyncOptions,
  randomId,
  type SnapshotEnvelope,
  type Source,
  type SourceStore,
} from '@state-sync/core';
import type { BroadcastChannelConstructor } from './channel';
import {
  type BroadcastChannelClient,
  createBroadcastChannelClient,
  type MutateOptions,
} from './client';
import { BroadcastChannelError } from './errors';
import { createHost, type ServeMutators } from './host';
import type { BroadcastChannelHost, MutationLedger, Reducer } from './host-api';
import type { DiffFunction } from './host-push';
import { createIndexedDbStore } from './indexeddb-store';
import type { LockManagerLike } from './locks';
import { assertAppId, defaultChannelName } from './protocol';
import type { ClientWrites, WriteOptions } from './writes';

export interface TabSyncOptions {
  /** Namespaces the channel, the lock and the database: two apps on one origin never mix. */
  appId: string;
  /** Default `state-sync:${appId}`. */
  channelName?: string;
  /** Default `navigator.locks`; in Node (no Web Locks) pass `createMemoryLocks()`. */
  locks?: LockManagerLike;
  /**
   * The store a host serves, or a factory called each time this tab becomes host. Default: an
   * IndexedDB store named `dbName`, shared by every tab, which is what makes failover lossless.
   */
  store?: SourceStore | (() => SourceStore);
  /** Default `state-sync:${appId}`. */
  dbName?: string;
  /** Default `globalThis.indexedDB`. */
  indexedDB?: IDBFactory;
  /** Data of topics never written, per topic. */
  initial?: Record<string, unknown>;
  /** Applies custom ops sent with `mutateOp` (the escape hatch); every tab should pass the same one. */
  reducer?: Reducer;
  /** How long a request waits for a host before it fails (restarted on failover). Default 5000. */
  timeoutMs?: number;
  /** The largest state (JSON characters) an invalidation carries whole. Default 32 KiB. */
  inlineBytes?: number;
  /**
   * Deltas for changes larger than `inlineBytes`: pass `diffStates` from
   * `@state-sync/protocol/diff` (opt-in: it adds about 4.7 KB min+gzip to the bundle).
   */
  diff?: DiffFunction;
  /** Transport and election errors: malformed messages, store failures, a failed lock request. */
  onError?: (error: unknown) => void;
  BroadcastChannel?: BroadcastChannelConstructor;
}

export type TabTopicOptions<T> = Omit<RevisionSyncOptions<T>, 'topic' | 'subscriber' | 'provider'>;

export interface TabSync {
  /** This tab's id: the `sourceId` of its writes. */
  readonly id: string;
  readonly client: BroadcastChannelClient;
  /**
   * An engine for `topic` over this tab's client that ignores invalidations of its own writes
   * (the write's ack already carries the new state). Call `start()` on it; `close()` stops it.
   */
  sync<T>(topic: string, options: TabTopicOptions<T>): RevisionSyncHandle;
  set<T>(topic: string, data: T, options?: MutateOptions): Promise<SnapshotEnvelope<T>>;
  /** The escape hatch: a custom op for the host's `reducer`. */
  mutateOp<T>(topic: string, op: unknown, options?: MutateOptions): Promise<SnapshotEnvelope<T>>;
  /** True while this tab holds the lock and serves the others. */
  isHost(): boolean;
  onRoleChange(listener: (isHost: boolean) => void): () => void;
  /** Stops this tab's engines, steps down as host (the next tab takes over) and closes everything. */
  close(): Promise<void>;
}

/** Every tab of the app runs one: a client end plus a place in the host election. */
export function createTabSync(options: TabSyncOptions): TabSync {
  return createTabSyncWith(options);
}

/**
 * The write path of a tab (writes-tab.ts passes it), so that createTabSync's bundle carries neither
 * the optimistic queue nor the host's mutation handler.
 */
export interface TabWritesPlugin<M extends MutatorsByTopic> {
  options: WriteOptions<M> & { optimistic?: boolean };
  client(clientId: string, report: (error: unknown) => void): ClientWrites<M>;
  serveMutators: ServeMutators;
}

export function createTabSyncWith<M extends MutatorsByTopic>(
  options: TabSyncOptions,
  plugin?: TabWritesPlugin<M>,
): TabSync & { writes: ClientWrites<M> | undefined } {
  assertAppId(options.appId, 'createTabSync');
  const { appId, onError } = options;
  const locks =
    options.locks ?? (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  if (!locks || typeof locks.request !== 'function') {
    throw new BroadcastChannelError(
      'unavailable',
      'navigator.locks is not available here: pass options.locks (createMemoryLocks() in Node)',
    );
  }
  const channelName = options.channelName ?? defaultChannelName(appId);
  const report = (error: unknown) => {
    try {
      onError?.(error);
    } catch {
      // The app's callback must not break the election.
    }
  };
  const id = randomId();
  const writes = plugin?.client(id, report);
  const mutators = plugin?.options.mutators;
  const client = createBroadcastChannelClient({
    appId,
    channelName,
    id,
    ...(writes ? { writes: writes.hooks } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    onError: report,
    ...(options.BroadcastChannel ? { BroadcastChannel: options.BroadcastChannel } : {}),
  });
  writes?.bind(client);
  const engines = new Set<RevisionSyncHandle>();
  const roleListeners = new Set<(isHost: boolean) => void>();
  const abort = new AbortController();
  let host: { end: BroadcastChannelHost; source: Source } | undefined;
  let stepDown: (() => void) | undefined;
  let closed = false;

  function setRole(isHost: boolean): void {
    for (const listener of [...roleListeners]) {
      try {
        listener(isHost);
      } catch (error) {
        report(error);
      }
    }
  }

  function makeStore(): SourceStore {
    const given = options.store;
    if (typeof given === 'function') return given();
    if (given) return given;
    return createIndexedDbStore({
      dbName: options.dbName ?? defaultChannelName(appId),
      ...(options.indexedDB ? { indexedDB: options.indexedDB } : {}),
    });
  }

  async function serve(): Promise<void> {
    if (closed) return;
    const store = makeStore();
    const source = createSource({ store });
    for (const [topic, data] of Object.entries(options.initial ?? {}))
      source.topic(topic, { initial: data });
    const maybe = store as SourceStore & Partial<MutationLedger>;
    const ledger = typeof maybe.hasMutation === 'function' ? (maybe as MutationLedger) : undefined;
    const end = createHost(
      {
        appId,
        channelName,
        source,
        id: `${id}:host`,
        ...(options.reducer ? { reducer: options.reducer } : {}),
        ...(mutators ? { mutators } : {}),
        ...(options.inlineBytes !== undefined ? { inlineBytes: options.inlineBytes } : {}),
        ...(options.diff ? { diff: options.diff } : {}),
        ...(ledger ? { ledger } : {}),
        // Resume (`get` with `since`) answers from the store's delta log when it keeps one.
        ...(typeof store.readSince === 'function' ? { store } : {}),
        onError: report,
        ...(options.BroadcastChannel ? { BroadcastChannel: options.BroadcastChannel } : {}),
      },
      plugin?.serveMutators,
    );
    host = { end, source };
    setRole(true);
    // Hold the lock until this tab closes (or the page goes away, which releases it too).
    await new Promise<void>((resolve) => {
      stepDown = resolve;
    });
  }

  const election = locks
    .request(`state-sync:${appId}:host`, { signal: abort.signal }, serve)
    .catch((error: unknown) => {
      if (!closed) report(error);
    });

  return {
    id,
    client,
    sync<T>(topic: string, topicOptions: TabTopicOptions<T>) {
      const own = topicOptions.shouldRefresh;
      // The provider answers from pushed state only on exactly what this engine shows.
      const local = () => ({ revision: engine.getLocalRevision(), epoch: engine.getEpoch() });
      // Engines of a topic with mutators show the confirmed state with the pending ones on top.
      const optimistic =
        writes && plugin?.options.optimistic !== false && mutators?.[topic]
          ? writes.queue.applier<T>(
              topic,
              typeof topicOptions.applier === 'function'
                ? { apply: topicOptions.applier }
                : topicOptions.applier,
            )
          : undefined;
      const engine: RevisionSyncHandle<T> = createRevisionSync<T>({
        ...topicOptions,
        ...(optimistic ? { applier: optimistic } : {}),
        topic,
        subscriber: client.subscriber(topic),
        provider: client.provider<T>(topic, {
          local,
          ...(topicOptions.schema ? { schema: topicOptions.schema } : {}),
          ...(topicOptions.onError ? { onError: topicOptions.onError } : {}),
        }),
        // Our own write's invalidation costs nothing: its ack already brought the state.
        shouldRefresh: (event) => event.sourceId !== id && (own ? own(event) : true),
      });
      engines.add(engine);
      // Forget engines the app stopped itself (remounts would otherwise pile up until close()).
      engine.onStatus((status) => {
        if (status !== 'stopped') return;
        engines.delete(engine);
        optimistic?.dispose();
      });
      return engine;
    },
    set: (topic, data, mutateOptions) => client.set(topic, data, mutateOptions),
    mutateOp: (topic, op, mutateOptions) => client.mutateOp(topic, op, mutateOptions),
    writes,
    isHost: () => host !== undefined,
    onRoleChange(listener) {
      roleListeners.add(listener);
      return () => {
        roleListeners.delete(listener);
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const engine of engines) engine.stop();
      engines.clear();
      writes?.stop();
      abort.abort(new BroadcastChannelError('closed', `the tab sync of app "${appId}" is closed`));
      if (host) {
        const { end, source } = host;
        host = undefined;
        end.close();
        await source.close().catch(report);
        setRole(false);
      }
      stepDown?.();
      client.close();
      await election;
      roleListeners.clear();
    },
  };
}
