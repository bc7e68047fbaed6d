// A core SourceStore in IndexedDB, so a new host (another tab after failover) reads the same
// {epoch, revision, data} and clients see no epoch change. Written against the raw API because the
// compare-and-write must be one transaction (a get and a put in its callbacks), which promise
// wrappers make easy to break by awaiting something else mid-transaction.
import {
  assertRevision,
  type DeltaEntry,
  type DeltaLogOptions,
  deltaLogTail,
  type MutationMemoryOptions,
  type MutationRecord,
  nextRevision,
  type Revision,
  randomId,
  resolveDeltaLogOptions,
  resolveMutationMemoryOptions,
  type SourceStore,
  type StoreMetrics,
  serializeDelta,
  type TopicRecord,
  utf8Length,
} from '@state-sync/core';
import { BroadcastChannelError } from './errors';
import type { HostWriteMeta, MutationLedger } from './host-api';
import {
  acceptsClient,
  CLIENTS,
  type ClientLimits,
  createClientsStore,
  readClient,
  writeClient,
} from './indexeddb-clients';

export interface IndexedDbStoreOptions {
  /** One database per app; tabs of the app share it. */
  dbName: string;
  /** The IndexedDB factory. Default `globalThis.indexedDB`; in Node tests, `fake-indexeddb`. */
  indexedDB?: IDBFactory;
  /** Mutation ids remembered per topic, so a write retried after failover is not applied twice. Default 64. */
  ledgerSize?: number;
  /**
   * The delta log per topic that lets a tab resume with one delta (`readSince`). It is stored with
   * the topic's record and rewritten on each write, so the defaults are small: 32 entries, 64 KiB.
   */
  deltaLog?: DeltaLogOptions;
  /**
   * Bounds of the per-client memory of exactly-once mutations (capability `mutations`, written in
   * the same transaction as the state): default 10,000 clients, 7 days, as core's memory store.
   */
  mutations?: MutationMemoryOptions;
  /** The clock of the mutations TTL. Default `Date.now`. */
  now?: () => number;
}

export interface IndexedDbStore extends SourceStore, MutationLedger {
  /** `meta.mutationId` is remembered in the topic's ledger, in the same transaction as the data. */
  write<T>(
    topic: string,
    data: T,
    expected: Revision | undefined,
    meta?: HostWriteMeta,
  ): Promise<TopicRecord<T> | undefined>;
  readSince(topic: string, epoch: string, revision: Revision): Promise<DeltaEntry[] | undefined>;
  lastMutation(clientId: string): Promise<MutationRecord | undefined>;
  recordMutation(clientId: string, record: MutationRecord): Promise<boolean>;
  getMetrics(): Required<StoreMetrics>;
  /** Closes the database connection; later calls fail with `closed`. */
  close(): Promise<void>;
}

interface StoredRecord {
  epoch: string;
  revision: Revision;
  data: unknown;
  mutations: string[];
  /** The newest deltas, consecutive and ending at `revision` (absent in records of older versions). */
  deltas?: Array<{ revision: Revision; json: string; bytes: number }>;
}

const TOPICS = 'topics';
const META = 'meta';
/** 2 added the `clients` object store (exactly-once mutations); 1 → 2 keeps every record. */
const DB_VERSION = 2;

function committed(tx: IDBTransaction, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(failed(what, tx.error));
    tx.onabort = () => reject(failed(`${what} (aborted)`, tx.error));
  });
}

function requestPromise<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function failed(what: string, cause: unknown): BroadcastChannelError {
  return new BroadcastChannelError('store_failed', `IndexedDB ${what} failed`, { cause });
}

export function createIndexedDbStore(options: IndexedDbStoreOptions): IndexedDbStore {
  const { dbName } = options;
  if (typeof dbName !== 'string' || dbName === '') {
    throw new BroadcastChannelError(
      'invalid_argument',
      'createIndexedDbStore: dbName must be a non-empty string',
    );
  }
  const ledgerSize = options.ledgerSize ?? 64;
  const logLimits = resolveDeltaLogOptions({
    maxEntries: 32,
    maxBytes: 64 * 1024,
    ...options.deltaLog,
  });
  const clientLimits: ClientLimits = {
    ...resolveMutationMemoryOptions(options.mutations),
    now: options.now ?? Date.now,
  };
  const metrics: Required<StoreMetrics> = {
    writes: 0,
    conflicts: 0,
    deltasEvicted: 0,
    clientsEvicted: 0,
  };
  const evicted = () => void metrics.clientsEvicted++;
  let db: Promise<IDBDatabase> | undefined;
  let epoch: Promise<string> | undefined;
  let closed = false;

  function open(): Promise<IDBDatabase> {
    if (closed)
      return Promise.reject(
        new BroadcastChannelError('closed', `the IndexedDB store "${dbName}" is closed`),
      );
    if (db) return db;
    const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (!factory) {
      return Promise.reject(
        new BroadcastChannelError(
          'unavailable',
          'IndexedDB is not available here: pass options.indexedDB (fake-indexeddb in Node)',
        ),
      );
    }
    const opening = new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(dbName, DB_VERSION);
      request.onupgradeneeded = () => {
        const database = request.result;
        for (const name of [TOPICS, META]) {
          if (!database.objectStoreNames.contains(name)) database.createObjectStore(name);
        }
        createClientsStore(database);
      };
      request.onsuccess = () => {
        const database = request.result;
        // Another tab upgrading the schema: step aside and reopen on the next call.
        database.onversionchange = () => {
          database.close();
          if (db === opening) db = undefined;
        };
        resolve(database);
      };
      request.onerror = () => reject(failed(`opening "${dbName}"`, request.error));
      request.onblocked = () =>
        reject(failed(`opening "${dbName}" (blocked by an older connection)`, undefined));
    });
    db = opening;
    opening.catch(() => {
      if (db === opening) db = undefined;
    });
    return opening;
  }

  function getEpoch(): Promise<string> {
    epoch ??= (async () => {
      const database = await open();
      // Read-or-create in one readwrite transaction: two tabs racing create one epoch, not two.
      const tx = database.transaction(META, 'readwrite');
      const meta = tx.objectStore(META);
      const existing = await requestPromise(meta.get('epoch'));
      if (typeof existing === 'string') return existing;
      const created = randomId();
      meta.put(created, 'epoch');
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
      return created;
    })().catch((error) => {
      epoch = undefined;
      throw error instanceof BroadcastChannelError ? error : failed('reading the epoch', error);
    });
    return epoch;
  }

  async function readStored(topic: string): Promise<StoredRecord | undefined> {
    const database = await open();
    try {
      return (await requestPromise(
        database.transaction(TOPICS, 'readonly').objectStore(TOPICS).get(topic),
      )) as StoredRecord | undefined;
    } catch (error) {
      throw failed(`reading "${topic}"`, error);
    }
  }

  return {
    getEpoch,
    async read<T>(topic: string): Promise<TopicRecord<T> | undefined> {
      const stored = await readStored(topic);
      return stored && { epoch: stored.epoch, revision: stored.revision, data: stored.data as T };
    },
    async write<T>(
      topic: string,
      data: T,
      expected: Revision | undefined,
      meta?: HostWriteMeta,
    ): Promise<TopicRecord<T> | undefined> {
      const currentEpoch = await getEpoch();
      const json = serializeDelta(meta?.delta);
      const mark = meta?.mutation;
      const database = await open();
      return new Promise<TopicRecord<T> | undefined>((resolve, reject) => {
        let result: TopicRecord<T> | undefined;
        // With a mutation mark, the client's seq is checked and stored in the same transaction.
        const tx = database.transaction(mark ? [TOPICS, CLIENTS] : TOPICS, 'readwrite');
        const store = tx.objectStore(TOPICS);
        const read = store.get(topic);
        read.onsuccess = () => {
          const current = read.result as StoredRecord | undefined;
          // Another writer got there first.
          if (current?.revision !== expected) return void metrics.conflicts++;
          if (!mark) return put(current);
          const clients = tx.objectStore(CLIENTS);
          acceptsClient(clients, mark.clientId, mark.seq, clientLimits, (accepted) => {
            // This mutation (or a later one of its client) was processed already: a resend raced it.
            if (!accepted) return void metrics.conflicts++;
            put(current);
            writeClient(clients, mark.clientId, { seq: mark.seq }, clientLimits, evicted);
          });
        };
        const put = (current: StoredRecord | undefined) => {
          const mutations = [
            ...(current?.mutations ?? []),
            ...(meta?.mutationId ? [meta.mutationId] : []),
          ].slice(-ledgerSize);
          const revision = nextRevision(expected ?? '0');
          // A write without a delta breaks the chain: the log restarts empty.
          const deltas = json === undefined ? [] : [...(current?.deltas ?? [])];
          if (json !== undefined) deltas.push({ revision, json, bytes: utf8Length(json) });
          let bytes = deltas.reduce((sum, entry) => sum + entry.bytes, 0);
          metrics.deltasEvicted += json === undefined ? (current?.deltas?.length ?? 0) : 0;
          while (deltas.length > logLimits.maxEntries || bytes > logLimits.maxBytes) {
            bytes -= deltas.shift()!.bytes;
            metrics.deltasEvicted++;
          }
          const record: StoredRecord = { epoch: currentEpoch, revision, data, mutations, deltas };
          store.put(record, topic);
          metrics.writes++;
          result = { epoch: record.epoch, revision: record.revision, data };
        };
        // Resolved only once the transaction committed: an invalidation never names a revision
        // that a new host could fail to find.
        tx.oncomplete = () => resolve(result);
        tx.onerror = () => reject(failed(`writing "${topic}"`, tx.error));
        tx.onabort = () => reject(failed(`writing "${topic}" (aborted)`, tx.error));
      });
    },
    async readSince(topic, since, revision) {
      assertRevision(revision, 'readSince revision');
      const stored = await readStored(topic);
      // A topic never written is at revision 0 of the store's epoch.
      if (!stored) return since === (await getEpoch()) && revision === '0' ? [] : undefined;
      if (stored.epoch !== since) return undefined;
      return deltaLogTail(stored.deltas ?? [], stored.revision, revision);
    },
    async hasMutation(topic, mutationId) {
      return (await readStored(topic))?.mutations.includes(mutationId) ?? false;
    },
    async lastMutation(clientId) {
      const database = await open();
      const tx = database.transaction(CLIENTS, 'readonly');
      let found: MutationRecord | undefined;
      readClient(tx.objectStore(CLIENTS), clientId, clientLimits, (record) => {
        found = record;
      });
      await committed(tx, `reading client "${clientId}"`);
      return found;
    },
    async recordMutation(clientId, record) {
      const database = await open();
      const tx = database.transaction(CLIENTS, 'readwrite');
      const clients = tx.objectStore(CLIENTS);
      let recorded = false;
      acceptsClient(clients, clientId, record.seq, clientLimits, (accepted) => {
        if (!accepted) return void metrics.conflicts++;
        recorded = true;
        const { seq, rejection } = record;
        writeClient(
          clients,
          clientId,
          rejection ? { seq, rejection } : { seq },
          clientLimits,
          evicted,
        );
      });
      await committed(tx, `recording a mutation of client "${clientId}"`);
      return recorded;
    },
    getMetrics: () => ({ ...metrics }),
    async close() {
      closed = true;
      const opened = db;
      db = undefined;
      if (opened) (await opened.catch(() => undefined))?.close();
    },
  };
}
