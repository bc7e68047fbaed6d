// One call from a store to a ready engine, with the sync status in a small Zustand store.
import {
  createRevisionSync,
  type OptimisticQueue,
  type PendingMutation,
  type RevisionSyncHandle,
  type RevisionSyncOptions,
  type SyncStatus,
} from '@state-sync/core';
import { createStore, type StoreApi } from 'zustand/vanilla';
import {
  createZustandApplier,
  type ZustandApplier,
  type ZustandApplierOptions,
  type ZustandStore,
} from './applier';

export type SyncZustandOptions<S, T> = Omit<RevisionSyncOptions<T>, 'applier'> &
  ZustandApplierOptions<S, T> & {
    /**
     * The store shows this queue's optimistic view of the topic (confirmed state plus pending
     * mutations) instead of the confirmed state alone; `statusStore` carries `pending`.
     */
    // biome-ignore lint/suspicious/noExplicitAny: any topic's mutators
    optimistic?: OptimisticQueue<any>;
  };

export interface SyncStatusState {
  status: SyncStatus;
  /** The error behind the current `error` status; undefined in any other status. */
  error: unknown;
  /** This topic's mutations not yet in the confirmed state (empty without `optimistic`). */
  pending: PendingMutation[];
}

export interface ZustandSync<S, T> extends RevisionSyncHandle, Omit<ZustandApplier<S, T>, 'apply'> {
  /** `useStore(sync.statusStore, (s) => s.status)` in React, `.subscribe` anywhere else. */
  readonly statusStore: StoreApi<SyncStatusState>;
}

/** Builds the engine for `store` (not started: call `start()`), with a status store kept current. */
export function syncZustandStore<S, T = Partial<S>>(
  store: ZustandStore<S>,
  options: SyncZustandOptions<S, T>,
): ZustandSync<S, T> {
  const applier = createZustandApplier(store, options);
  const { optimistic: queue, topic } = options;
  const view = queue?.applier(topic, applier, (pending: PendingMutation[]) => {
    statusStore.setState({ pending });
  });
  const handle = createRevisionSync<T>({ ...options, applier: view ?? applier });
  const statusStore = createStore<SyncStatusState>(() => ({
    status: handle.getStatus(),
    error: undefined,
    pending: [],
  }));
  handle.onStatus((status, info) => statusStore.setState({ status, error: info.error }));
  // The handle's methods live on its prototype: bind them so `sync.stop` works as a callback.
  const sync = { ...applier, statusStore } as unknown as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(Object.getPrototypeOf(handle))) {
    const method = handle[key as keyof RevisionSyncHandle];
    if (key !== 'constructor') sync[key] = method.bind(handle);
  }
  if (view) {
    // The queue outlives this sync (remounts): stop() releases the view's listener.
    const stop = sync.stop as () => void;
    sync.stop = () => {
      view.dispose();
      stop();
    };
  }
  return sync as unknown as ZustandSync<S, T>;
}
