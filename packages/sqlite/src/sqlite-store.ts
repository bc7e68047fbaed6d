// A durable SourceStore on one SQLite file: each write (data, revision, delta log entry) is one
// transaction, and the epoch is created once, so a restarted server continues where it stopped.
import {
  assertRevision,
  compareRevisions,
  type DeltaEntry,
  type DeltaLogOptions,
  type MutationMemoryOptions,
  type MutationRecord,
  nextRevision,
  type Revision,
  randomId,
  resolveDeltaLogOptions,
  type SourceStore,
  type StoreMetrics,
  serializeDelta,
  type TopicRecord,
  type WriteMeta,
} from '@state-sync/core';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { SqliteStoreError } from './errors';
import { checkMark, createClientMutations } from './mutations';
import { openSchema } from './schema';

export interface SqliteStoreOptions {
  /** File to open (created if missing); `':memory:'` for a throwaway store. */
  path?: string;
  /**
   * An open better-sqlite3 database to use instead of `path`. The store adds its `state_sync_*`
   * tables and sets WAL and `synchronous`, but does not close it on `close()`: it is yours.
   */
  database?: Database;
  /**
   * `'FULL'` (default): an acknowledged write survives a process crash and a power loss or OS
   * crash. `'NORMAL'`: faster commits (no fsync per write in WAL mode); an acknowledged write still
   * survives a process crash (SIGKILL), but the last writes before a power loss may be lost.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a write waits for another connection's lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Bounds of each topic's delta log. Defaults: 100 entries, 1 MiB. */
  deltaLog?: DeltaLogOptions;
  /**
   * Bounds of the per-client memory of exactly-once mutations: `maxClients` (default 10,000; the
   * least recently updated client is forgotten first) and `ttlMs` (default 7 days since the
   * client's last mutation). Each forgotten client counts in `clientsEvicted`.
   */
  mutations?: MutationMemoryOptions;
  /** Clock for the mutation TTL (ms since the epoch); `Date.now` by default. */
  now?: () => number;
}

export type SqliteStore = SourceStore &
  Required<
    Pick<SourceStore, 'readSince' | 'getMetrics' | 'close' | 'lastMutation' | 'recordMutation'>
  > & {
    /** The better-sqlite3 connection, for backups and inspection. */
    readonly database: Database;
  };

interface TopicRow {
  revision: string;
  data: string;
  log_count: number;
  log_bytes: number;
}

function openDatabase(options: SqliteStoreOptions): { db: Database; owned: boolean } {
  if (options.database !== undefined) {
    if (options.path !== undefined) {
      throw new SqliteStoreError('invalid_argument', 'give either path or database, not both');
    }
    if (typeof options.database?.prepare !== 'function') {
      throw new SqliteStoreError('invalid_argument', 'database must be a better-sqlite3 Database');
    }
    return { db: options.database, owned: false };
  }
  if (typeof options.path !== 'string' || options.path === '') {
    throw new SqliteStoreError(
      'invalid_argument',
      'path must be a non-empty string (a file, or ":memory:"), or give database',
    );
  }
  return { db: new BetterSqlite3(options.path), owned: true };
}

function configure(db: Database, options: SqliteStoreOptions): void {
  const synchronous = options.synchronous ?? 'FULL';
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
    throw new SqliteStoreError(
      'invalid_argument',
      `synchronous ${JSON.stringify(synchronous)} must be 'FULL' or 'NORMAL'`,
    );
  }
  const busy = options.busyTimeoutMs ?? 5000;
  if (!Number.isSafeInteger(busy) || busy < 0) {
    throw new SqliteStoreError('invalid_argument', `busyTimeoutMs ${busy} must be an integer >= 0`);
  }
  db.pragma(`busy_timeout = ${busy}`);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
}

export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const limits = resolveDeltaLogOptions(options.deltaLog);
  const { db, owned } = openDatabase(options);
  const where = options.path ?? 'the database';
  let epoch: string;
  try {
    configure(db, options);
    epoch = openSchema(db, where, randomId);
  } catch (error) {
    if (owned) db.close();
    if ((error as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new SqliteStoreError('not_a_database', `${where} is not an SQLite database`, {
        cause: error,
      });
    }
    throw error;
  }
  const metrics: Required<StoreMetrics> = {
    writes: 0,
    conflicts: 0,
    deltasEvicted: 0,
    clientsEvicted: 0,
  };
  const clients = createClientMutations(db, options.mutations, options.now ?? Date.now, (n) => {
    metrics.clientsEvicted += n;
  });
  const sql = {
    read: db.prepare<[string], TopicRow>(
      'SELECT revision, data, log_count, log_bytes FROM state_sync_topics WHERE topic = ?',
    ),
    upsert: db.prepare(
      `INSERT INTO state_sync_topics (topic, revision, data, log_count, log_bytes)
       VALUES (@topic, @revision, @data, @count, @bytes)
       ON CONFLICT (topic) DO UPDATE SET revision = @revision, data = @data,
         log_count = @count, log_bytes = @bytes`,
    ),
    appendDelta: db.prepare(
      'INSERT INTO state_sync_deltas (topic, revision, ops, bytes) VALUES (?, ?, ?, ?)',
    ),
    clearDeltas: db.prepare('DELETE FROM state_sync_deltas WHERE topic = ?'),
    oldestDeltas: db.prepare<[string], { id: number; bytes: number }>(
      'SELECT id, bytes FROM state_sync_deltas WHERE topic = ? ORDER BY id',
    ),
    dropDeltasUpTo: db.prepare('DELETE FROM state_sync_deltas WHERE topic = ? AND id <= ?'),
    deltas: db.prepare<[string], { revision: string; ops: string }>(
      'SELECT revision, ops FROM state_sync_deltas WHERE topic = ? ORDER BY id',
    ),
  };
  let closed = false;

  function ensureOpen(): void {
    if (closed) throw new SqliteStoreError('closed', 'the store was closed');
  }

  function parse(topic: string, what: string, text: string): unknown {
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new SqliteStoreError('corrupt', `the stored ${what} of "${topic}" is not JSON`, {
        cause,
      });
    }
  }

  function serializeData(topic: string, data: unknown): string {
    let json: string | undefined;
    try {
      json = JSON.stringify(data);
    } catch (cause) {
      throw new SqliteStoreError('invalid_data', `data for "${topic}" cannot be JSON`, { cause });
    }
    if (json === undefined) {
      throw new SqliteStoreError(
        'invalid_data',
        `data for "${topic}" is ${typeof data}: store null or a JSON value instead`,
      );
    }
    return json;
  }

  // Keeps the topic's log consecutive and ending at `revision`, inside the write's transaction.
  function logDelta(topic: string, revision: Revision, ops: string | undefined, row?: TopicRow) {
    let count = row?.log_count ?? 0;
    let bytes = row?.log_bytes ?? 0;
    const size = ops === undefined ? 0 : Buffer.byteLength(ops);
    if (ops === undefined || limits.maxEntries === 0 || size > limits.maxBytes) {
      if (count > 0) sql.clearDeltas.run(topic);
      metrics.deltasEvicted += count;
      return { count: 0, bytes: 0 };
    }
    sql.appendDelta.run(topic, revision, ops, size);
    count++;
    bytes += size;
    if (count > limits.maxEntries || bytes > limits.maxBytes) {
      let lastDropped = -1;
      for (const entry of sql.oldestDeltas.iterate(topic)) {
        if (count <= limits.maxEntries && bytes <= limits.maxBytes) break;
        lastDropped = entry.id;
        count--;
        bytes -= entry.bytes;
        metrics.deltasEvicted++;
      }
      sql.dropDeltasUpTo.run(topic, lastDropped);
    }
    return { count, bytes };
  }

  const writeTransaction = db.transaction(
    (
      topic: string,
      data: string,
      expected: Revision | undefined,
      ops: string | undefined,
      mark: WriteMeta['mutation'],
    ) => {
      const row = sql.read.get(topic);
      if (row?.revision !== expected) return undefined;
      if (mark && !clients.accepts(mark.clientId, mark.seq)) return undefined;
      const revision = nextRevision(expected ?? '0');
      const log = logDelta(topic, revision, ops, row);
      sql.upsert.run({ topic, revision, data, count: log.count, bytes: log.bytes });
      if (mark) clients.set(mark.clientId, { seq: mark.seq });
      return revision;
    },
  );

  const recordTransaction = db.transaction((clientId: string, record: MutationRecord) => {
    if (!clients.accepts(clientId, record.seq)) return false;
    clients.set(clientId, record);
    return true;
  });

  // Turns a lock timeout into an error that says nothing was written.
  function immediate<A extends unknown[], R>(
    what: string,
    transaction: { immediate(...args: A): R },
    ...args: A
  ): R {
    try {
      return transaction.immediate(...args);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') {
        throw new SqliteStoreError(
          'busy',
          `another connection held ${where} locked for more than busyTimeoutMs while ${what}: nothing was written, retry or raise busyTimeoutMs`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  // One read transaction, so another connection's write cannot land between the two reads.
  const readSinceTransaction = db.transaction((topic: string, revision: Revision) => {
    const current = sql.read.get(topic)?.revision ?? '0';
    const order = compareRevisions(revision, current);
    if (order === 0) return [];
    if (order > 0) return undefined;
    const entries = sql.deltas.all(topic);
    const first = entries[0];
    if (!first || compareRevisions(first.revision, nextRevision(revision)) > 0) return undefined;
    return entries
      .filter((entry) => compareRevisions(entry.revision, revision) > 0)
      .map(
        (entry): DeltaEntry => ({
          revision: entry.revision,
          ops: parse(topic, 'delta', entry.ops) as unknown[],
        }),
      );
  });

  return {
    database: db,
    getEpoch: async () => {
      ensureOpen();
      return epoch;
    },
    async read<T>(topic: string): Promise<TopicRecord<T> | undefined> {
      ensureOpen();
      const row = sql.read.get(topic);
      if (!row) return undefined;
      return { epoch, revision: row.revision, data: parse(topic, 'data', row.data) as T };
    },
    async write<T>(topic: string, data: T, expected: Revision | undefined, meta?: WriteMeta) {
      ensureOpen();
      const ops = serializeDelta(meta?.delta);
      const json = serializeData(topic, data);
      const mark = meta?.mutation;
      if (mark !== undefined) checkMark(mark);
      // IMMEDIATE takes the write lock before reading, so another connection cannot slip a write
      // in between our compare and our set.
      const revision = immediate(
        `writing "${topic}"`,
        writeTransaction,
        topic,
        json,
        expected,
        ops,
        mark && { clientId: mark.clientId, seq: mark.seq },
      );
      if (revision === undefined) {
        metrics.conflicts++;
        return undefined;
      }
      metrics.writes++;
      return { epoch, revision, data: JSON.parse(json) as T };
    },
    async readSince(topic: string, since: string, revision: Revision) {
      ensureOpen();
      assertRevision(revision, 'readSince revision');
      if (since !== epoch) return undefined;
      return readSinceTransaction(topic, revision);
    },
    async lastMutation(clientId: string) {
      ensureOpen();
      return clients.get(clientId);
    },
    async recordMutation(clientId: string, record: MutationRecord) {
      ensureOpen();
      checkMark({ clientId, seq: record?.seq });
      const rejection = record.rejection && {
        code: String(record.rejection.code),
        message: String(record.rejection.message),
      };
      const stored = rejection ? { seq: record.seq, rejection } : { seq: record.seq };
      return immediate(`recording "${clientId}"`, recordTransaction, clientId, stored);
    },
    getMetrics: () => ({ ...metrics }),
    async close() {
      if (closed) return;
      closed = true;
      if (owned) db.close();
    },
  };
}
