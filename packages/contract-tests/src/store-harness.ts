// What a SourceStore implementation hands the store conformance suite, and the per-test plumbing
// that opens it and closes everything when the test ends (even when it fails).
import type { DeltaLogOptions, SourceStore } from '@state-sync/core';
import { onTestFinished, vi } from 'vitest';

/**
 * One isolated storage (its own file, key prefix, schema…) for one test. The suite closes every
 * store instance it got (`store`, and those from `reopen` and `peer`) once, then calls `dispose`.
 */
export interface StoreHarness {
  /** A store over fresh, empty storage. */
  readonly store: SourceStore;
  /**
   * Capability (required with `durable: true`): a new store instance over the same storage, as a
   * restarted process opens it. The suite closes the previous instance first.
   */
  reopen?(): Promise<SourceStore> | SourceStore;
  /**
   * Capability (required with `shared: true`): another instance over the same storage, open at the
   * same time, as another server node holds it. Writes through it must reach `store.subscribe`.
   */
  peer?(): Promise<SourceStore> | SourceStore;
  /** Removes the storage (file, keys). Called after every store instance was closed. */
  dispose(): Promise<void> | void;
}

export interface StoreFactoryContext {
  /** Delta log bounds the test needs; the store must honour them (undefined: its defaults). */
  deltaLog?: DeltaLogOptions;
}

export type StoreFactory = (context: StoreFactoryContext) => Promise<StoreHarness> | StoreHarness;

export interface StoreContractOptions {
  /** The store keeps epoch, data, revisions and delta log across `reopen()` (SQLite, Redis). */
  durable?: boolean;
  /** Several instances share the storage and `subscribe` reports the others' writes (Redis). */
  shared?: boolean;
  /** `store.getMetrics()` counts writes, conflicts and evicted deltas (checked by the suite). */
  metrics?: boolean;
  /**
   * The store records client mutations for exactly-once writes: `lastMutation`, `recordMutation`
   * and `WriteMeta.mutation` honoured atomically with the write (docs/stores.md).
   */
  mutations?: boolean;
  /** Multiplies every wait; a network store may need 2–5. Default 1 (5 s per wait). */
  timeScale?: number;
  /** Random sequences of the model property (a fresh storage each). Default 50. */
  propertyRuns?: number;
}

export interface StoreFixture {
  harness: StoreHarness;
  store: SourceStore;
  /** Closes the current instance and opens the storage again (durable stores). */
  reopen(): Promise<SourceStore>;
  /** Another instance over the same storage (shared stores). */
  peer(): Promise<SourceStore>;
  /** Polls until `check` stops throwing; fails after 5 s × timeScale. */
  eventually(check: () => void | Promise<void>): Promise<void>;
  /** Closes every instance and disposes the storage now (else when the test ends). */
  dispose(): Promise<void>;
}

export function assertStoreFactory(
  name: unknown,
  factory: unknown,
  options: StoreContractOptions,
): asserts factory is StoreFactory {
  const call = `describeStoreContract(${JSON.stringify(name)}, factory)`;
  if (typeof name !== 'string' || name.trim() === '')
    throw new TypeError('describeStoreContract(name, factory): name must be a non-empty string');
  if (typeof factory !== 'function') {
    throw new TypeError(
      `${call}: factory must be a function returning a fresh StoreHarness ({ store, dispose }), got ${typeof factory}`,
    );
  }
  const scale = options.timeScale;
  if (scale !== undefined && !(typeof scale === 'number' && scale > 0))
    throw new TypeError(
      `${call}: options.timeScale must be a positive number, got ${String(scale)}`,
    );
}

export function assertStoreHarness(
  value: unknown,
  name: string,
  options: StoreContractOptions,
): asserts value is StoreHarness {
  const h = value as Partial<StoreHarness> | null;
  const problems: string[] = [];
  if (typeof h !== 'object' || h === null) problems.push(`got ${h === null ? 'null' : typeof h}`);
  else {
    const store = h.store as Partial<SourceStore> | undefined;
    for (const key of ['getEpoch', 'read', 'write', 'readSince'] as const) {
      if (typeof store?.[key] !== 'function') problems.push(`\`store.${key}\` must be a function`);
    }
    if (typeof h.dispose !== 'function') problems.push('`dispose` must be a function');
    if (options.durable && typeof h.reopen !== 'function')
      problems.push('`reopen` must be a function (options.durable is set)');
    if (options.shared && typeof h.peer !== 'function')
      problems.push('`peer` must be a function (options.shared is set)');
    if (options.metrics && typeof store?.getMetrics !== 'function')
      problems.push('`store.getMetrics` must be a function (options.metrics is set)');
    if (options.mutations) {
      for (const key of ['lastMutation', 'recordMutation'] as const) {
        if (typeof store?.[key] !== 'function')
          problems.push(`\`store.${key}\` must be a function (options.mutations is set)`);
      }
    }
    if (options.shared && typeof store?.subscribe !== 'function')
      problems.push('`store.subscribe` must be a function (options.shared is set)');
  }
  if (problems.length > 0) {
    throw new TypeError(
      `describeStoreContract("${name}"): the factory must return a StoreHarness: ${problems.join('; ')}`,
    );
  }
}

export async function openStore(
  name: string,
  factory: StoreFactory,
  options: StoreContractOptions,
  context: StoreFactoryContext = {},
): Promise<StoreFixture> {
  const harness = await factory(context);
  assertStoreHarness(harness, name, options);
  const open = new Set<SourceStore>([harness.store]);
  const close = async (store: SourceStore) => {
    if (open.delete(store)) await store.close?.();
  };
  let disposed: Promise<void> | undefined;
  const dispose = () => {
    disposed ??= (async () => {
      for (const store of [...open]) await close(store);
      await harness.dispose();
    })();
    return disposed;
  };
  onTestFinished(dispose);
  const fixture: StoreFixture = {
    harness,
    store: harness.store,
    async reopen() {
      await close(fixture.store);
      const store = await (harness.reopen as () => Promise<SourceStore>)();
      open.add(store);
      fixture.store = store;
      return store;
    },
    async peer() {
      const store = await (harness.peer as () => Promise<SourceStore>)();
      open.add(store);
      return store;
    },
    eventually: (check) =>
      vi.waitFor(check, { timeout: 5_000 * (options.timeScale ?? 1), interval: 5 }),
    dispose,
  };
  return fixture;
}
