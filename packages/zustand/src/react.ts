// React bindings, in their own entry so vanilla users never load React.
import type { RevisionSyncHandle, SyncStatus } from '@state-sync/core';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { ZustandStore } from './applier';
import { type SyncZustandOptions, syncZustandStore, type ZustandSync } from './sync';

type StatusSource = Pick<RevisionSyncHandle, 'getStatus' | 'onStatus'>;

/** The engine's status, re-rendering on change. `idle` while there is no handle yet. */
export function useSyncStatus(handle: StatusSource | null | undefined): SyncStatus {
  const subscribe = useCallback(
    (onChange: () => void) => (handle ? handle.onStatus(onChange) : () => {}),
    [handle],
  );
  const get = (): SyncStatus => (handle ? handle.getStatus() : 'idle');
  return useSyncExternalStore(subscribe, get, get);
}

/**
 * Syncs `store` while the component is mounted: starts on mount, stops on unmount, symmetric
 * under StrictMode's double mount. A new `store` or `topic` restarts it; other options are read
 * when it starts (so inline transport objects do not restart it on every render).
 */
export function useZustandSync<S, T = Partial<S>>(
  store: ZustandStore<S>,
  options: SyncZustandOptions<S, T>,
): { status: SyncStatus; sync: ZustandSync<S, T> | undefined } {
  // The latest options, read when the sync (re)starts.
  const latest = useRef(options);
  latest.current = options;
  const [sync, setSync] = useState<ZustandSync<S, T>>();
  const { topic } = options;
  useEffect(() => {
    const next = syncZustandStore(store, { ...latest.current, topic });
    setSync(next);
    // A failed start is already in the status (and onError); nothing to throw into React.
    next.start().catch(() => {});
    return () => next.stop();
  }, [store, topic]);
  return { status: useSyncStatus(sync), sync };
}
