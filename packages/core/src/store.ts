// The persistence seam of a Source: what a durable (SQLite) or shared (Redis) store implements.
// Stores record deltas opaquely; computing them is the source's job.
import { describeValue, StateSyncError } from './errors';
import type { Revision } from './revision';
import type { InvalidationEvent } from './types';

export interface TopicRecord<T = unknown> {
  epoch: string;
  revision: Revision;
  data: T;
}

export interface WriteMeta {
  /** Who made the change; carried on the invalidation for self-echo filtering. */
  sourceId?: string;
  /**
   * RFC 6902 operations turning the `expected` revision's data into the written data. Absent when
   * unknown: the store then records no delta, and resuming across this write needs a snapshot.
   */
  delta?: readonly unknown[];
  /**
   * The client mutation this write applies (exactly-once writes, see docs/writes.md). A store that
   * implements `lastMutation` records `{ seq }` as the client's last processed mutation in the same
   * atomic step, and refuses the write (resolves undefined) when it already holds a `seq` that is
   * not lower, so a mutation racing its own resend is applied once.
   */
  mutation?: MutationMark;
}

/** Identifies one client mutation: a client id and its sequence number (1, 2, 3, …). */
export interface MutationMark {
  clientId: string;
  seq: number;
}

/** A mutation the server refused: the mutator's (or the validator's) code and message. */
export interface MutationRejection {
  code: string;
  message: string;
}

/** What a store remembers per client: the last mutation processed and, if refused, why. */
export interface MutationRecord {
  seq: number;
  rejection?: MutationRejection;
}

/** One write in a topic's delta log: the ops that turn revision `revision - 1` into `revision`. */
export interface DeltaEntry {
  revision: Revision;
  ops: readonly unknown[];
}

export interface DeltaLogOptions {
  /** Deltas kept per topic (the newest). Default 100; 0 keeps none. */
  maxEntries?: number;
  /** Total UTF-8 bytes of the JSON of the deltas kept per topic. Default 1 MiB. */
  maxBytes?: number;
}

/** Counters a store may expose; every bound it enforces is counted here when hit. */
export interface StoreMetrics {
  /** Writes that landed. */
  writes: number;
  /** Writes refused because the topic was no longer at the expected revision (or seq was stale). */
  conflicts: number;
  /** Delta log entries dropped: by the count or byte bound, or by a write without a delta. */
  deltasEvicted: number;
  /** Clients whose last mutation was forgotten: by the client count bound or by the TTL. */
  clientsEvicted?: number;
}

export interface SourceStore {
  /** Opaque id chosen when this store's revision counters were created. */
  getEpoch(): Promise<string>;
  read<T>(topic: string): Promise<TopicRecord<T> | undefined>;
  /**
   * Stores `data` at the next revision if the topic is still at `expected` (undefined: never
   * written), and records `meta.delta` in the topic's bounded delta log in the same atomic step.
   * Resolves to the new record, or to undefined when another writer got there first.
   */
  write<T>(
    topic: string,
    data: T,
    expected: Revision | undefined,
    meta?: WriteMeta,
  ): Promise<TopicRecord<T> | undefined>;
  /**
   * The deltas after `revision` up to the topic's current revision, oldest first: `[]` when
   * `revision` is current, undefined when `epoch` is not the store's or the log no longer reaches
   * back that far (the caller then sends a snapshot).
   */
  readSince?(topic: string, epoch: string, revision: Revision): Promise<DeltaEntry[] | undefined>;
  /** For shared stores: changes made by other processes, so their invalidations reach our clients. */
  subscribe?(listener: (event: InvalidationEvent) => void): () => void;
  /**
   * Capability `mutations` (exactly-once writes): the last mutation processed for `clientId`,
   * undefined when the client is unknown (never seen, or forgotten by the store's bound or TTL).
   */
  lastMutation?(clientId: string): Promise<MutationRecord | undefined>;
  /**
   * Capability `mutations`: records that `seq` of `clientId` was processed without a write (the
   * mutator refused it), atomically, only if the stored seq is lower. Resolves false otherwise.
   */
  recordMutation?(clientId: string, record: MutationRecord): Promise<boolean>;
  getMetrics?(): StoreMetrics;
  close?(): Promise<void>;
}

/** Fills in the defaults (100 entries, 1 MiB) and rejects a bound that is not a count. */
export function resolveDeltaLogOptions(
  options: DeltaLogOptions | undefined,
): Required<DeltaLogOptions> {
  // The defaults live here, not in a module-level constant, so bundles that never build a store
  // do not carry them.
  const resolved = { maxEntries: 100, maxBytes: 1024 * 1024, ...options };
  for (const key of ['maxEntries', 'maxBytes'] as const) {
    const value = resolved[key];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new StateSyncError(
        'invalid_argument',
        `deltaLog.${key} ${describeValue(value)} must be a non-negative integer`,
      );
    }
  }
  return resolved;
}

/** Throws `invalid_argument` unless `delta` is undefined or an array; returns its JSON. */
export function serializeDelta(delta: unknown): string | undefined {
  if (delta === undefined) return undefined;
  if (!Array.isArray(delta)) {
    throw new StateSyncError(
      'invalid_argument',
      `delta ${describeValue(delta)} must be an array of RFC 6902 operations`,
    );
  }
  return JSON.stringify(delta);
}

/**
 * `readSince` for a store that keeps each topic's log as consecutive entries ending at its current
 * revision: the entries after `revision`, or undefined when the log does not reach back that far.
 */
export function deltaLogTail(
  entries: readonly { revision: Revision; json: string }[],
  current: Revision,
  revision: Revision,
): DeltaEntry[] | undefined {
  const behind = Number(BigInt(current) - BigInt(revision));
  if (behind < 0 || behind > entries.length) return undefined;
  return entries
    .slice(entries.length - behind)
    .map((entry): DeltaEntry => ({ revision: entry.revision, ops: JSON.parse(entry.json) }));
}

/** UTF-8 length of a string, the unit of `deltaLog.maxBytes`. */
export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

export interface MutationMemoryOptions {
  /** Clients whose last mutation is remembered; the least recently written is forgotten first. Default 10,000. */
  maxClients?: number;
  /** A client silent this long is forgotten (ms). Default 7 days. */
  ttlMs?: number;
}

/** Fills in the defaults (10,000 clients, 7 days) and rejects a bound that is not a count. */
export function resolveMutationMemoryOptions(
  options: MutationMemoryOptions | undefined,
): Required<MutationMemoryOptions> {
  const resolved = { maxClients: 10_000, ttlMs: 7 * 24 * 3600_000, ...options };
  for (const key of ['maxClients', 'ttlMs'] as const) {
    const value = resolved[key];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new StateSyncError(
        'invalid_argument',
        `mutations.${key} ${describeValue(value)} must be a positive integer`,
      );
    }
  }
  return resolved;
}
