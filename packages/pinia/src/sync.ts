// One call from a store to a ready (not yet started) engine, with the sync status as Vue refs.
import {
  createRevisionSync,
  type OptimisticQueue,
  type PendingMutation,
  type RevisionSyncHandle,
  type RevisionSyncOptions,
  type SyncStatus,
} from '@state-sync/core';
import type { StoreGeneric } from 'pinia';
import { type Ref, shallowRef } from 'vue';
import { createPiniaApplier, type PiniaApplier, type PiniaApplierOptions } from './applier';

export type SyncPiniaOptions<St extends StoreGeneric, T> = Omit<RevisionSyncOptions<T>, 'applier'> &
  PiniaApplierOptions<St, T> & {
    /**
     * The store shows this queue's optimistic view of the topic (confirmed state plus pending
     * mutations) instead of the confirmed state alone; `pending` lists what is not confirmed yet.
     */
    // biome-ignore lint/suspicious/noExplicitAny: any topic's mutators
    optimistic?: OptimisticQueue<any>;
  };

export interface PiniaSync<St extends StoreGeneric, T>
  extends RevisionSyncHandle,
    Omit<PiniaApplier<St, T>, 'apply'> {
  /** Reactive: `idle | syncing | synced | offline | error | stopped`. Read it in a template or computed. */
  readonly status: Readonly<Ref<SyncStatus>>;
  /** The error behind the current `error` status; undefined in any other status. */
  readonly error: Readonly<Ref<unknown>>;
  /** Reactive: this topic's mutations not yet in the confirmed state (empty without `optimistic`). */
  readonly pending: Readonly<Ref<PendingMutation[]>>;
}

/** Builds the engine for `store` (not started: call `start()`), with status refs kept current. */
export function syncPiniaStore<St extends StoreGeneric, T = Partial<St['$state']>>(
  store: St,
  options: SyncPiniaOptions<St, T>,
): PiniaSync<St, T> {
  const applier = createPiniaApplier(store, options);
  const { optimistic: queue, topic } = options;
  const pending = shallowRef<PendingMutation[]>([]);
  const view = queue?.applier(topic, applier, (list) => {
    pending.value = list;
  });
  const handle = createRevisionSync<T>({ ...options, applier: view ?? applier });
  const status = shallowRef<SyncStatus>(handle.getStatus());
  const error = shallowRef<unknown>();
  handle.onStatus((next, info) => {
    error.value = info.error; // first, so a watcher of status reads the matching error
    status.value = next;
  });
  // The handle's methods live on its prototype: bind them so `sync.stop` works as a callback.
  const sync = { ...applier, status, error, pending } as unknown as Record<string, unknown>;
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
  return sync as unknown as PiniaSync<St, T>;
}
