// The default SourceStore: one process, nothing survives a restart (a new epoch tells clients so).
import { assertRevision, nextRevision, type Revision } from './revision';
import {
  type DeltaLogOptions,
  deltaLogTail,
  type MutationMemoryOptions,
  type MutationRecord,
  resolveDeltaLogOptions,
  resolveMutationMemoryOptions,
  type SourceStore,
  type StoreMetrics,
  serializeDelta,
  type TopicRecord,
  utf8Length,
  type WriteMeta,
} from './store';

export interface MemoryStoreOptions {
  /** Fixed epoch, for tests; a random one by default. */
  epoch?: string;
  /** Bounds of each topic's delta log (default 100 entries, 1 MiB). */
  deltaLog?: DeltaLogOptions;
  /** Bounds of the per-client memory of exactly-once mutations (default 10,000 clients, 7 days). */
  mutations?: MutationMemoryOptions;
  /** Clock for the mutation TTL (ms); `Date.now` by default. */
  now?: () => number;
}

interface LoggedDelta {
  revision: Revision;
  // Kept as JSON: a caller mutating its ops array later cannot change the log, and readers get
  // their own copy.
  json: string;
  bytes: number;
}

interface TopicLog {
  entries: LoggedDelta[];
  bytes: number;
}

export type MemoryStore = SourceStore &
  Required<Pick<SourceStore, 'readSince' | 'getMetrics' | 'lastMutation' | 'recordMutation'>>;

export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const epoch = options.epoch ?? randomId();
  const limits = resolveDeltaLogOptions(options.deltaLog);
  const records = new Map<string, TopicRecord>();
  const logs = new Map<string, TopicLog>();
  const metrics: Required<StoreMetrics> = {
    writes: 0,
    conflicts: 0,
    deltasEvicted: 0,
    clientsEvicted: 0,
  };
  const clients = createClientMemory(options, metrics);

  // Entries stay consecutive and end at the topic's revision: a write without a delta (or with one
  // larger than the whole budget) empties the log, since nothing can be chained across it.
  function record(topic: string, revision: Revision, json: string | undefined): void {
    const log = logs.get(topic) ?? { entries: [], bytes: 0 };
    logs.set(topic, log);
    const bytes = json === undefined ? 0 : utf8Length(json);
    if (json === undefined || limits.maxEntries === 0 || bytes > limits.maxBytes) {
      metrics.deltasEvicted += log.entries.length;
      log.entries = [];
      log.bytes = 0;
      return;
    }
    log.entries.push({ revision, json, bytes });
    log.bytes += bytes;
    while (log.entries.length > limits.maxEntries || log.bytes > limits.maxBytes) {
      log.bytes -= (log.entries.shift() as LoggedDelta).bytes;
      metrics.deltasEvicted++;
    }
  }

  return {
    getEpoch: async () => epoch,
    read: async <T>(topic: string) => records.get(topic) as TopicRecord<T> | undefined,
    async write<T>(topic: string, data: T, expected: Revision | undefined, meta?: WriteMeta) {
      const current = records.get(topic);
      const mark = meta?.mutation;
      if (current?.revision !== expected || (mark && !clients.accepts(mark.clientId, mark.seq))) {
        metrics.conflicts++;
        return undefined;
      }
      const json = serializeDelta(meta?.delta);
      // Cloned on write so a caller mutating its object later cannot change the stored revision.
      const next = { epoch, revision: nextRevision(expected ?? '0'), data: structuredClone(data) };
      records.set(topic, next);
      record(topic, next.revision, json);
      if (mark) clients.set(mark.clientId, { seq: mark.seq });
      metrics.writes++;
      return next;
    },
    async readSince(topic: string, since: string, revision: Revision) {
      assertRevision(revision, 'readSince revision');
      if (since !== epoch) return undefined;
      return deltaLogTail(
        logs.get(topic)?.entries ?? [],
        records.get(topic)?.revision ?? '0',
        revision,
      );
    },
    lastMutation: async (clientId: string) => clients.get(clientId),
    async recordMutation(clientId: string, mutation: MutationRecord) {
      if (!clients.accepts(clientId, mutation.seq)) return false;
      clients.set(clientId, structuredClone(mutation));
      return true;
    },
    getMetrics: () => ({ ...metrics }),
  };
}

/**
 * The last mutation of each client, bounded by count and TTL. A Map iterates in insertion order and
 * every write re-inserts its client, so the first entries are the least recently written.
 */
function createClientMemory(
  options: MemoryStoreOptions,
  metrics: Required<StoreMetrics>,
): {
  get(clientId: string): MutationRecord | undefined;
  accepts(clientId: string, seq: number): boolean;
  set(clientId: string, record: MutationRecord): void;
} {
  const limits = resolveMutationMemoryOptions(options.mutations);
  const now = options.now ?? Date.now;
  const entries = new Map<string, { record: MutationRecord; at: number }>();
  function sweep(): void {
    const expiredBefore = now() - limits.ttlMs;
    for (const [clientId, entry] of entries) {
      if (entries.size <= limits.maxClients && entry.at > expiredBefore) break;
      entries.delete(clientId);
      metrics.clientsEvicted++;
    }
  }
  const get = (clientId: string) => {
    sweep();
    return entries.get(clientId)?.record;
  };
  return {
    get,
    accepts: (clientId, seq) => (get(clientId)?.seq ?? 0) < seq,
    set(clientId, record) {
      entries.delete(clientId);
      entries.set(clientId, { record, at: now() });
      sweep();
    },
  };
}

export function randomId(): string {
  const uuid = globalThis.crypto?.randomUUID?.();
  return uuid ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
