// Puts snapshots into a Pinia store: one $patch per snapshot (devtools and plugins see one change),
// only the synced keys are written, and the applier's own patches are marked so the app's
// "state changed → send" logic can skip them (no echo loops).
import { type SnapshotEnvelope, StateSyncError } from '@state-sync/core';
import type { StoreGeneric } from 'pinia';
import { toRaw } from 'vue';

/** `replace`: the synced part becomes the snapshot. `patch`: keys the snapshot lacks are kept. */
export type ApplyMode = 'replace' | 'patch';

export type StateOf<St extends StoreGeneric> = St['$state'];
type Key<St extends StoreGeneric> = keyof StateOf<St> & string;

export interface PiniaApplierOptions<St extends StoreGeneric, T> {
  /** Default `replace`: a synced key the snapshot lacks is set to undefined. */
  mode?: ApplyMode;
  /** Only these state keys are synced; every other key is local and never touched. */
  pick?: Key<St>[];
  /** These state keys are local (UI state): never written by a snapshot, never sent. */
  omit?: Key<St>[];
  /** Maps snapshot data to (part of) the state. Default: the data is the state object itself. */
  toState?: (data: T, state: StateOf<St>) => Partial<StateOf<St>>;
  /** Maps the synced part of the state back to snapshot data (what `toSnapshot()` returns). */
  fromState?: (synced: Partial<StateOf<St>>) => T;
}

export interface PiniaApplier<St extends StoreGeneric, T> {
  apply(envelope: SnapshotEnvelope<T>): void;
  /** True only while a snapshot is being written into the store. */
  isApplying(): boolean;
  /**
   * `store.$subscribe` that skips the applier's own patches: put your "send to server" here.
   * Always `flush: 'sync'` (one call per change): Pinia mutes 'pre'/'post' subscribers until the
   * tick after any `$patch`, so they would miss a local edit made in the same tick as an apply.
   * `detached: true` keeps it after the calling component unmounts.
   */
  subscribeLocal(
    callback: Parameters<St['$subscribe']>[0],
    options?: { detached?: boolean },
  ): () => void;
  /** The synced part of the state (plain objects, not proxies), mapped by `fromState`. */
  toSnapshot(): T;
}

export function createPiniaApplier<St extends StoreGeneric, T = Partial<StateOf<St>>>(
  store: St,
  options: PiniaApplierOptions<St, T> = {},
): PiniaApplier<St, T> {
  const { mode, pick, omit, toState, fromState } = options;
  // Short messages on purpose (bundle size); tests assert the code.
  if (typeof store?.$patch !== 'function') {
    throw new StateSyncError('invalid_argument', 'store is not a Pinia store');
  }
  if (pick && omit) throw new StateSyncError('invalid_argument', 'pick and omit both given');
  // `__proto__` from a parsed snapshot would swap the state object's prototype: never synced.
  const synced = (key: string): boolean =>
    key !== '__proto__' && (pick ? pick.includes(key) : !omit?.includes(key));
  let applying = false;
  const keys = Object.keys;

  return {
    apply({ revision, data }) {
      const state = store.$state as Record<string, unknown>;
      const next = (toState ? toState(data, state) : data) as Record<string, unknown>;
      if (typeof next !== 'object' || !next || Array.isArray(next)) {
        throw new StateSyncError('invalid_snapshot', `snapshot @${revision} is not an object`);
      }
      applying = true;
      try {
        store.$patch((draft: Record<string, unknown>) => {
          // Pinia state keys are declared up front (a setup store's are refs), so replace clears
          // a missing key to undefined instead of deleting it. Only keys whose value changed are
          // written: a pushed delta shares every untouched subtree with the state before it, so
          // those compare equal (toRaw: Pinia hands out proxies of what was written).
          for (const key of keys(mode === 'patch' ? next : { ...draft, ...next })) {
            if (synced(key) && toRaw(draft[key]) !== next[key])
              draft[key] = Object.hasOwn(next, key) ? next[key] : undefined;
          }
        });
      } finally {
        applying = false;
      }
    },
    isApplying: () => applying,
    subscribeLocal: (callback, subscribeOptions) =>
      // $patch calls subscriptions synchronously, so the flag is reliable.
      store.$subscribe(
        (mutation, state) => {
          if (!applying) (callback as (...args: unknown[]) => void)(mutation, state);
        },
        { ...subscribeOptions, flush: 'sync' },
      ),
    toSnapshot() {
      const state = store.$state as Record<string, unknown>;
      const part: Record<string, unknown> = {};
      for (const key of keys(state)) if (synced(key)) part[key] = toRaw(state[key]);
      return fromState ? fromState(part as Partial<StateOf<St>>) : (part as T);
    },
  };
}
