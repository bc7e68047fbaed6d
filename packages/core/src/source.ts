// The source of truth, transport-agnostic: topics with data, a revision bumped atomically on every
// write, and invalidations emitted to listeners. Persistence is a SourceStore (memory by default).
import { describeValue, StateSyncError } from './errors';
import { compareRevisions, nextRevision, type Revision } from './revision';
import type { InvalidationEvent, SnapshotEnvelope } from './types';

export interface TopicRecord<T = unknown> {
  epoch: string;
  revision: Revision;
  data: T;
}

export interface WriteMeta {
  /** Who made the change; carried on the invalidation for self-echo filtering. */
  sourceId?: string;
}

export interface SourceStore {
  /** Opaque id chosen when this store's revision counters were created. */
  getEpoch(): Promise<string>;
  read<T>(topic: string): Promise<TopicRecord<T> | undefined>;
  /**
   * Stores `data` at the next revision if the topic is still at `expected` (undefined: never
   * written). Resolves to the new record, or to undefined when another writer got there first.
   */
  write<T>(
    topic: string,
    data: T,
    expected: Revision | undefined,
    meta?: WriteMeta,
  ): Promise<TopicRecord<T> | undefined>;
  /** For shared stores: changes made by other processes, so their invalidations reach our clients. */
  subscribe?(listener: (event: InvalidationEvent) => void): () => void;
  close?(): Promise<void>;
}

export interface SourceTopic<T> {
  readonly name: string;
  get(): Promise<SnapshotEnvelope<T>>;
  set(data: T, meta?: WriteMeta): Promise<SnapshotEnvelope<T>>;
  /** Read-modify-write, serialised per topic and retried on a conflicting write elsewhere. */
  update(fn: (current: T) => T, meta?: WriteMeta): Promise<SnapshotEnvelope<T>>;
  subscribe(listener: (event: InvalidationEvent) => void): () => void;
}

export interface Source {
  topic<T = unknown>(name: string, options?: { initial?: T }): SourceTopic<T>;
  getEpoch(): Promise<string>;
  /** Invalidations of every topic. */
  subscribe(listener: (event: InvalidationEvent) => void): () => void;
  /** Listeners currently attached (all topics), for leak checks. */
  listenerCount(): number;
  close(): Promise<void>;
}

export interface SourceOptions {
  store?: SourceStore;
  /** Attempts of a conflicting update() before it fails with `write_conflict`. Default 10. */
  maxWriteAttempts?: number;
}

export function randomId(): string {
  const uuid = globalThis.crypto?.randomUUID?.();
  return uuid ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export function createMemoryStore(options: { epoch?: string } = {}): SourceStore {
  const epoch = options.epoch ?? randomId();
  const records = new Map<string, TopicRecord>();
  return {
    getEpoch: async () => epoch,
    read: async <T>(topic: string) => records.get(topic) as TopicRecord<T> | undefined,
    async write<T>(topic: string, data: T, expected: Revision | undefined) {
      const current = records.get(topic);
      if (current?.revision !== expected) return undefined;
      // Cloned on write so a caller mutating its object later cannot change the stored revision.
      const record = {
        epoch,
        revision: nextRevision(expected ?? '0'),
        data: structuredClone(data),
      };
      records.set(topic, record);
      return record;
    },
  };
}

export function createSource(options: SourceOptions = {}): Source {
  const store = options.store ?? createMemoryStore();
  const maxAttempts = options.maxWriteAttempts ?? 10;
  const all = new Set<(event: InvalidationEvent) => void>();
  const byTopic = new Map<string, Set<(event: InvalidationEvent) => void>>();
  const initials = new Map<string, unknown>();
  const chains = new Map<string, Promise<unknown>>();
  const emitted = new Map<string, { epoch: string; revision: Revision }>();

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
    function write(next: (current: T) => T, meta?: WriteMeta): Promise<SnapshotEnvelope<T>> {
      const run = async (): Promise<SnapshotEnvelope<T>> => {
        for (let attempt = 1; attempt <= maxAttempts; attempt++) {
          const current = await store.read<T>(name);
          const data = next(current ? current.data : ((initials.get(name) ?? null) as T));
          const record = await store.write(name, data, current?.revision, meta);
          if (record) {
            emit({
              topic: name,
              revision: record.revision,
              epoch: record.epoch,
              ...(meta?.sourceId ? { sourceId: meta.sourceId } : {}),
            });
            return envelope(record);
          }
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

    return {
      name,
      get,
      set: (data, meta) => write(() => data, meta),
      update: (fn, meta) => write(fn, meta),
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
    subscribe: (listener) => add(all, listener),
    listenerCount: () => all.size + [...byTopic.values()].reduce((sum, set) => sum + set.size, 0),
    async close() {
      unsubscribeStore?.();
      all.clear();
      byTopic.clear();
      await store.close?.();
    },
  };
}
