// Puts snapshots into a Zustand store (vanilla or React): one setState per snapshot, the replace
// flag only in `replace` mode, actions and local-only keys never touched, and the applier's own
// writes marked so the app's "state changed → send" listener can skip them (no echo loops).
import { type SnapshotEnvelope, StateSyncError } from '@state-sync/core';

/** `replace`: the synced part becomes the snapshot. `patch`: keys the snapshot lacks are kept. */
export type ApplyMode = 'replace' | 'patch';

/** What the applier needs from a store: `createStore()` and `create()` results, with middleware. */
export interface ZustandStore<S> {
  getState(): S;
  // Loose on purpose: middleware (devtools, immer, subscribeWithSelector) overload these two, and
  // S is inferred from getState alone.
  setState(...args: never[]): unknown;
  subscribe(...args: never[]): unknown;
}

type Key<S> = keyof S & string;

export interface ZustandApplierOptions<S, T> {
  /** Default `replace`: a synced key the snapshot lacks is removed from the state. */
  mode?: ApplyMode;
  /** Only these state keys are synced; every other key is local and never touched. */
  pick?: Key<S>[];
  /** These state keys are local (UI state): never written by a snapshot, never sent. */
  omit?: Key<S>[];
  /** Maps snapshot data to (part of) the state. Default: the data is the state object itself. */
  toState?: (data: T, state: S) => Partial<S>;
  /** Maps the synced part of the state back to snapshot data (what `toSnapshot()` returns). */
  fromState?: (synced: Partial<S>) => T;
}

export interface ZustandApplier<S, T> {
  apply(envelope: SnapshotEnvelope<T>): void;
  /** True only while a snapshot is being written into the store. */
  isApplying(): boolean;
  /** `store.subscribe` that skips the applier's own writes: put your "send to server" here. */
  subscribeLocal(listener: (state: S, previous: S) => void): () => void;
  /** The synced part of the state (functions excluded), mapped by `fromState`. */
  toSnapshot(): T;
}

export function createZustandApplier<S, T = Partial<S>>(
  store: ZustandStore<S>,
  options: ZustandApplierOptions<S, T> = {},
): ZustandApplier<S, T> {
  const { mode, toState, fromState } = options;
  const { pick, omit } = options as { pick?: string[]; omit?: string[] };
  // Short messages on purpose (bundle size); tests assert the code.
  if (pick && omit) throw new StateSyncError('invalid_argument', 'pick and omit both given');
  const replace = mode !== 'patch';
  let applying = false;
  // Actions live in the state too: a function is never synced. `__proto__` from a parsed
  // snapshot would swap the new state's prototype: never synced either.
  const synced = (key: string, state: Record<string, unknown>): boolean =>
    key !== '__proto__' &&
    typeof state[key] !== 'function' &&
    (pick ? pick.includes(key) : !omit?.includes(key));
  /** Copies into `out` the keys of `from` that are (or are not) synced in `state`. */
  const copy = (
    from: Record<string, unknown>,
    wanted: boolean,
    state = from,
    out: Record<string, unknown> = {},
  ) => {
    for (const key in from) if (synced(key, state) === wanted) out[key] = from[key];
    return out;
  };

  return {
    apply({ revision, data }) {
      const state = store.getState() as Record<string, unknown>;
      const next = (toState ? toState(data, state as S) : data) as Record<string, unknown>;
      if (typeof next !== 'object' || !next || Array.isArray(next)) {
        throw new StateSyncError('invalid_snapshot', `snapshot @${revision} is not an object`);
      }
      const out = copy(next, true, state, replace ? copy(state, false) : {});
      // Patch mode sets only the top-level slices that changed: a pushed delta shares every
      // untouched subtree with the state before it, so those are the same reference already.
      if (!replace) for (const key in out) if (out[key] === state[key]) delete out[key];
      applying = true;
      try {
        // The third argument names the change in the devtools middleware; plain stores ignore it.
        (store.setState as (...args: unknown[]) => void)(out, replace, '@state-sync/apply');
      } finally {
        applying = false;
      }
    },
    isApplying: () => applying,
    subscribeLocal: (listener) =>
      (store.subscribe as (listener: (state: S, previous: S) => void) => () => void)(
        (state, previous) => {
          if (!applying) listener(state, previous);
        },
      ),
    toSnapshot() {
      const synced = copy(store.getState() as Record<string, unknown>, true) as Partial<S>;
      return fromState ? fromState(synced) : (synced as T);
    },
  };
}
