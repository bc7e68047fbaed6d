// The source of truth, transport-agnostic: topics with data, a revision bumped atomically on every
// write, and invalidations emitted to listeners. Persistence is a SourceStore (memory by default).
import { describeValue, StateSyncError } from './errors';
import { createMemoryStore } from './memory-store';
import { assertRevision, compareRevisions, type Revision } from './revision';
import type { DeltaEntry, MutationRecord, SourceStore, TopicRecord, WriteMeta } from './store';
import type { InvalidationEvent, SnapshotEnvelope } from './types';

/**
 * Options of `topic.update()`: the store's write meta without a delta (the change is computed by
 * `fn`, so no caller-made delta can describe it). Fields a store defines beyond `WriteMeta` (a
 * mutation id, say) are passed through to `store.write`.
 */
export type UpdateOptions = Omit<WriteMeta, 'delta'>;

/** Options of `topic.set()`; every field but `ifRevision` is passed to `store.write` as meta. */
export interface SetOptions extends WriteMeta {
  /**
   * Compare-and-set: write only if the topic is still at this revision ("0": never written), else
   * reject with `conflict`. Without it, `set` overwrites whatever is there.
   */
  ifRevision?: Revision;
  /**
   * RFC 6902 ops turning the data at `ifRevision` into `data`, recorded in the store's delta log
   * and carried on the invalidation. Needs `ifRevision`: without a known base the ops could be
   * applied to the wrong state.
   */
  delta?: readonly unknown[];
}

export interface SourceTopic<T> {
  readonly name: string;
  get(): Promise<SnapshotEnvelope<T>>;
  /** Resolves with what it wrote: the new revision, the epoch and the data. */
  set(data: T, options?: SetOptions): Promise<SnapshotEnvelope<T>>;
  /**
   * Read-modify-write, serialised per topic and retried on a conflicting write elsewhere.
   * Resolves with what it wrote: the new revision, the epoch and the data.
   */
  update(fn: (current: T) => T, options?: UpdateOptions): Promise<SnapshotEnvelope<T>>;
  /**
   * Applies RFC 6902 `ops` to the current data (read-modify-write like `update`) and records them
   * as the write's delta. Needs `createSource({ applyDelta })`; rejects with `invalid_argument`
   * when an op does not apply (the topic is left unchanged).
   */
  patch(ops: readonly unknown[], options?: UpdateOptions): Promise<SnapshotEnvelope<T>>;
  subscribe(listener: (event: InvalidationEvent) => void): () => void;
}

/**
 * Computes the RFC 6902 ops turning `previous` into `next`, or undefined when sending `next`
 * itself is smaller (`diffStates` from `@state-sync/protocol/diff` is one). Must return `[]` at
 * once for `previous === next` and must not modify either argument.
 */
export type DiffFunction = (previous: unknown, next: unknown) => readonly unknown[] | undefined;

/** Applies RFC 6902 `ops` to `state` without modifying it (`applyDelta` of `@state-sync/protocol`). */
export type ApplyDeltaFunction = <T>(state: T, ops: readonly never[]) => T;

export interface Source {
  topic<T = unknown>(name: string, options?: { initial?: T }): SourceTopic<T>;
  /** Asynchronous: a durable or shared store may have to read (or create) it first. */
  getEpoch(): Promise<string>;
  /**
   * Resume: the store's deltas of `topic` after `revision` (see `SourceStore.readSince`);
   * undefined when the store keeps no log, `epoch` is not its own or the log no longer reaches back.
   */
  readSince?(topic: string, epoch: string, revision: Revision): Promise<DeltaEntry[] | undefined>;
  /** Invalidations of every topic. */
  subscribe(listener: (event: InvalidationEvent) => void): () => void;
  /**
   * The store's last processed mutation of `clientId` (exactly-once writes). Throws `unsupported`
   * when the store does not record mutations.
   */
  lastMutation?(clientId: string): Promise<MutationRecord | undefined>;
  /** Records a refused mutation as processed (see `SourceStore.recordMutation`). */
  recordMutation?(clientId: string, record: MutationRecord): Promise<boolean>;
  /** Listeners currently attached (all topics), for leak checks. */
  listenerCount(): number;
  close(): Promise<void>;
}

export interface SourceOptions {
  store?: SourceStore;
  /** Attempts of a conflicting update() before it fails with `write_conflict`. Default 10. */
  maxWriteAttempts?: number;
  /**
   * Makes `set` (without a `delta`) and `update` record the ops between the old and new data, so
   * invalidations carry them and the store's delta log can resume clients. Injected so the core
   * stays dependency-free: pass `diffStates` from `@state-sync/protocol/diff`. Without it, writes
   * record no delta (clients then pull snapshots).
   */
  diff?: DiffFunction;
  /** Needed by `topic.patch()`: pass `applyDelta` from `@state-sync/protocol`. */
  applyDelta?: ApplyDeltaFunction;
}

export function createSource(options: SourceOptions = {}): Source {
  const store = options.store ?? createMemoryStore();
  const maxAttempts = options.maxWriteAttempts ?? 10;
  const all = new Set<(event: InvalidationEvent) => void>();
  const byTopic = new Map<string, Set<(event: InvalidationEvent) => void>>();
  const initials = new Map<string, unknown>();
  const chains = new Map<string, Promise<unknown>>();
  const emitted = new Map<string, { epoch: string; revision: Revision }>();
  const mutations = () => {
    const { lastMutation, recordMutation } = store;
    if (!lastMutation || !recordMutation) {
      throw new StateSyncError(
        'unsupported',
        'this store does not record client mutations (lastMutation/recordMutation), so writes cannot be exactly once: use a store with the `mutations` capability',
      );
    }
    return { lastMutation: lastMutation.bind(store), recordMutation: recordMutation.bind(store) };
  };

  function emit(event: InvalidationEvent): void {
    const last = emitted.get(event.topic);
    // A shared store echoes our own writes back; only emit what has not been emitted yet.
    if (last && last.epoch === event.epoch && compareRevisions(event.revision, last.revision) <= 0)
      return;
    if (event.epoch !== undefined)
      emitted.set(event.topic, { epoch: event.epoch, revision: event.revision });
    for (const listener of [...(byTopic.get(event.topic) ?? []), ...all]) listener({ ...event });
  }
  const unsubscribeStore = store.subscribe?.(emit);

  function add(
    set: Set<(event: InvalidationEvent) => void>,
    listener: (event: InvalidationEvent) => void,
  ) {
    if (typeof listener !== 'function') {
      throw new StateSyncError(
        'invalid_argument',
        `listener ${describeValue(listener)} must be a function`,
      );
    }
    const wrapped = (event: InvalidationEvent) => listener(event);
    set.add(wrapped);
    return () => {
      set.delete(wrapped);
    };
  }

  function topic<T>(name: string, topicOptions?: { initial?: T }): SourceTopic<T> {
    if (typeof name !== 'string' || name.trim() === '') {
      throw new StateSyncError(
        'invalid_argument',
        `topic ${describeValue(name)} must be a non-empty string`,
      );
    }
    if (topicOptions && 'initial' in topicOptions && !initials.has(name))
      initials.set(name, topicOptions.initial);

    const envelope = (record: TopicRecord<T>): SnapshotEnvelope<T> => ({
      revision: record.revision,
      epoch: record.epoch,
      data: record.data,
    });

    async function get(): Promise<SnapshotEnvelope<T>> {
      const record = await store.read<T>(name);
      if (record) return envelope(record);
      return {
        revision: '0',
        epoch: await store.getEpoch(),
        data: (initials.get(name) ?? null) as T,
      };
    }

    // Writes to one topic are serialised in this process; `expected` catches writers elsewhere.
    function write(
      next: (current: T) => T,
      meta: WriteMeta,
      ifRevision?: Revision,
      patchOps?: readonly unknown[],
    ): Promise<SnapshotEnvelope<T>> {
      const run = async (): Promise<SnapshotEnvelope<T>> => {
        for (let attempt = 1; attempt <= maxAttempts; attempt++) {
          const current = await store.read<T>(name);
          const base = current?.revision ?? '0';
          if (ifRevision !== undefined && base !== ifRevision) throw conflict(ifRevision, base);
          const previous = current ? current.data : ((initials.get(name) ?? null) as T);
          const data = next(previous);
          const delta = patchOps
            ? current && patchOps
            : (meta.delta ?? computeDelta(previous, data, current !== undefined));
          const { delta: _given, ...rest } = meta;
          const record = await store.write(name, data, current?.revision, {
            ...rest,
            ...(delta ? { delta } : {}),
          });
          if (record) {
            emit({
              topic: name,
              revision: record.revision,
              epoch: record.epoch,
              ...(meta.sourceId ? { sourceId: meta.sourceId } : {}),
              ...(delta ? { delta: { baseRevision: base, ops: delta } } : {}),
              ...(meta.mutation
                ? { mutation: { clientId: meta.mutation.clientId, seq: meta.mutation.seq } }
                : {}),
            });
            return envelope(record);
          }
          // Another writer got in between our read and our write: a compare-and-set caller asked
          // for exactly that base, so it learns at once instead of being retried onto a new one.
          if (ifRevision !== undefined) throw conflict(ifRevision, undefined);
        }
        throw new StateSyncError(
          'write_conflict',
          `topic "${name}" kept changing under ${maxAttempts} write attempts`,
        );
      };
      const result = (chains.get(name) ?? Promise.resolve()).then(run, run);
      chains.set(
        name,
        result.catch(() => {}),
      );
      return result;
    }

    // A first write has no stored base a client could hold (revision "0" is the initial value,
    // which only this process knows), so it carries no delta.
    function computeDelta(previous: T, data: T, stored: boolean): readonly unknown[] | undefined {
      if (!options.diff || !stored) return undefined;
      return options.diff(previous, data);
    }

    function conflict(expected: Revision, actual: Revision | undefined): StateSyncError {
      return new StateSyncError(
        'conflict',
        `topic "${name}" is no longer at revision ${expected}` +
          `${actual === undefined ? '' : ` (it is at ${actual})`}: read it again and retry`,
      );
    }

    async function set(data: T, options: SetOptions = {}): Promise<SnapshotEnvelope<T>> {
      const { ifRevision, ...meta } = options;
      if (meta.mutation) mutations();
      if (ifRevision !== undefined) assertRevision(ifRevision, 'ifRevision');
      if (meta.delta !== undefined && (ifRevision === undefined || !Array.isArray(meta.delta))) {
        throw new StateSyncError(
          'invalid_argument',
          `delta ${describeValue(meta.delta)} must be an array, given with ifRevision`,
        );
      }
      return write(() => data, meta, ifRevision);
    }

    async function update(
      fn: (current: T) => T,
      options: UpdateOptions = {},
    ): Promise<SnapshotEnvelope<T>> {
      if (options.mutation) mutations();
      if ((options as WriteMeta).delta !== undefined) {
        throw new StateSyncError(
          'invalid_argument',
          'update() takes no delta: use set(data, { ifRevision, delta })',
        );
      }
      return write(fn, options, undefined);
    }

    async function patch(
      ops: readonly unknown[],
      options_: UpdateOptions = {},
    ): Promise<SnapshotEnvelope<T>> {
      const apply = options.applyDelta;
      if (!apply) {
        throw new StateSyncError(
          'invalid_argument',
          'patch() needs createSource({ applyDelta }) (applyDelta of @state-sync/protocol)',
        );
      }
      if (!Array.isArray(ops)) {
        throw new StateSyncError(
          'invalid_argument',
          `ops ${describeValue(ops)} must be an array of RFC 6902 operations`,
        );
      }
      const { delta: _ignored, ...meta } = options_ as WriteMeta;
      return write(
        (current) => {
          try {
            return apply(current, ops as never[]);
          } catch (cause) {
            throw new StateSyncError(
              'invalid_argument',
              `patch of topic "${name}" does not apply: ${(cause as Error).message}`,
              { cause },
            );
          }
        },
        meta,
        undefined,
        ops,
      );
    }

    return {
      name,
      get,
      set,
      update,
      patch,
      subscribe(listener) {
        const set = byTopic.get(name) ?? new Set();
        byTopic.set(name, set);
        const remove = add(set, listener);
        return () => {
          remove();
          if (set.size === 0 && byTopic.get(name) === set) byTopic.delete(name);
        };
      },
    };
  }

  return {
    topic,
    getEpoch: () => store.getEpoch(),
    readSince: async (name, epoch, revision) => store.readSince?.(name, epoch, revision),
    subscribe: (listener) => add(all, listener),
    lastMutation: async (clientId) => mutations().lastMutation(clientId),
    recordMutation: async (clientId, record) => mutations().recordMutation(clientId, record),
    listenerCount: () => all.size + [...byTopic.values()].reduce((sum, set) => sum + set.size, 0),
    async close() {
      unsubscribeStore?.();
      all.clear();
      byTopic.clear();
      await store.close?.();
    },
  };
}
