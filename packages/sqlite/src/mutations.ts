// The last mutation of each client (exactly-once writes, docs/writes.md) in the
// state_sync_mutations table, bounded by a client count and a TTL. Every function here runs inside
// the caller's transaction, so a write and its client's seq commit together or not at all.
import {
  type MutationMark,
  type MutationMemoryOptions,
  type MutationRecord,
  resolveMutationMemoryOptions,
} from '@state-sync/core';
import type { Database } from 'better-sqlite3';
import { SqliteStoreError } from './errors';

interface MutationRow {
  seq: number;
  rejection: string | null;
}

export interface ClientMutations {
  /** The client's live record (an expired one reads as unknown). */
  get(clientId: string): MutationRecord | undefined;
  /** True when `seq` is above the client's recorded seq (or the client is unknown). */
  accepts(clientId: string, seq: number): boolean;
  /** Records `record` as the client's last mutation, then enforces the bounds. */
  set(clientId: string, record: MutationRecord): void;
}

/** Throws `invalid_argument` unless `mark` names a client (non-empty string) and a seq ≥ 1. */
export function checkMark(mark: MutationMark): void {
  if (typeof mark?.clientId !== 'string' || mark.clientId === '') {
    throw new SqliteStoreError('invalid_argument', 'mutation clientId must be a non-empty string');
  }
  if (!Number.isSafeInteger(mark.seq) || mark.seq < 1) {
    throw new SqliteStoreError(
      'invalid_argument',
      `mutation seq ${String(mark.seq)} of "${mark.clientId}" must be a positive integer`,
    );
  }
}

export function createClientMutations(
  db: Database,
  options: MutationMemoryOptions | undefined,
  now: () => number,
  onEvicted: (count: number) => void,
): ClientMutations {
  const limits = resolveMutationMemoryOptions(options);
  const sql = {
    get: db.prepare<[string, number], MutationRow>(
      'SELECT seq, rejection FROM state_sync_mutations WHERE client_id = ? AND updated_at > ?',
    ),
    exists: db.prepare<[string], { n: number }>(
      'SELECT 1 AS n FROM state_sync_mutations WHERE client_id = ?',
    ),
    upsert: db.prepare(
      `INSERT INTO state_sync_mutations (client_id, seq, rejection, updated_at)
       VALUES (@clientId, @seq, @rejection, @at)
       ON CONFLICT (client_id) DO UPDATE SET seq = @seq, rejection = @rejection, updated_at = @at`,
    ),
    expire: db.prepare('DELETE FROM state_sync_mutations WHERE updated_at <= ?'),
    count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM state_sync_mutations'),
    // The least recently updated first (never the client just written, even within one ms);
    // client_id breaks ties so eviction is deterministic.
    evictOldest: db.prepare<[string, number]>(
      `DELETE FROM state_sync_mutations WHERE client_id IN (
         SELECT client_id FROM state_sync_mutations WHERE client_id != ?
         ORDER BY updated_at, client_id LIMIT ?)`,
    ),
  };

  const get = (clientId: string): MutationRecord | undefined => {
    const row = sql.get.get(clientId, now() - limits.ttlMs);
    if (!row) return undefined;
    if (row.rejection === null) return { seq: row.seq };
    try {
      return { seq: row.seq, rejection: JSON.parse(row.rejection) };
    } catch (cause) {
      throw new SqliteStoreError(
        'corrupt',
        `the stored rejection of client "${clientId}" is not JSON`,
        { cause },
      );
    }
  };

  return {
    get,
    accepts: (clientId, seq) => (get(clientId)?.seq ?? 0) < seq,
    set(clientId, record) {
      const at = now();
      // Counting is a scan, so it is done only when a client is added (the count can only grow then).
      const added = sql.exists.get(clientId) === undefined;
      const rejection = record.rejection === undefined ? null : JSON.stringify(record.rejection);
      sql.upsert.run({ clientId, seq: record.seq, rejection, at });
      let evicted = sql.expire.run(at - limits.ttlMs).changes;
      if (added) {
        const excess = (sql.count.get()?.n ?? 0) - limits.maxClients;
        if (excess > 0) evicted += sql.evictOldest.run(clientId, excess).changes;
      }
      if (evicted > 0) onEvicted(evicted);
    },
  };
}
