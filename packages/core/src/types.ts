import type { Logger } from './logger';
import type { Revision } from './revision';
import type { StandardSchemaV1 } from './standard-schema';

/** Why a snapshot is being pulled. Every resync is reported with one (status, logger, onError). */
export type RefreshReason =
  | 'initial'
  | 'invalidation'
  | 'gap'
  | 'epoch'
  | 'beacon'
  | 'reconnect'
  | 'manual';

/** "Topic T is at revision R". May be lost, duplicated, delayed or reordered; never carries state. */
export interface InvalidationEvent {
  topic: string;
  revision: Revision;
  /** The source's epoch; a different one means the source was reset or replaced. */
  epoch?: string;
  /** Who made the change (a window, tab or process id), for self-echo filtering. */
  sourceId?: string;
  /** Set by transports that turn a beacon or a gap into an invalidation, for reporting. */
  reason?: RefreshReason;
  /**
   * Emitted by a source when the write carried one: the RFC 6902 ops turning `baseRevision`'s data
   * into `revision`'s. Read-only. The engine does not use it yet.
   */
  delta?: { baseRevision: Revision; ops: readonly unknown[] };
  /**
   * Emitted by a source when the write applied a client mutation: that client's optimistic view
   * can drop it once it shows this revision (`queue.confirm(seq, revision, epoch)`).
   */
  mutation?: { clientId: string; seq: number };
}

/**
 * "Anything may have changed: pull now, whatever your revision." Transports send it after a
 * reconnect or when they know messages were lost; it carries no revision because none is known.
 */
export interface ResyncEvent {
  topic: string;
  resync: true;
  reason?: RefreshReason;
}

/**
 * "The link to the source is down (false) or back (true)." A transport delivers it to every
 * engine it serves: the status is `offline` from `false` until a snapshot fetched after `true`
 * is applied (the engine pulls with reason `reconnect` on `true`).
 */
export interface ConnectivityEvent {
  topic: string;
  connected: boolean;
}

export interface SnapshotEnvelope<T> {
  revision: Revision;
  epoch?: string;
  data: T;
}

export interface InvalidationSubscriber {
  /** Starts delivering payloads (untrusted: the engine validates them); resolves to an unsubscribe. */
  subscribe(handler: (event: unknown) => void): Promise<() => void>;
}

export interface SnapshotContext {
  /**
   * Aborted when the engine stops, so a retrying provider can give up at once. Created on first
   * read (a getter), so hand the context on as is: a spread copy (`{ ...context }`) drops it.
   */
  signal?: AbortSignal;
  /**
   * Why the engine pulls. Only for `invalidation` may a provider answer from state its transport
   * already holds for the newest invalidation it received (a delta, say); every other reason
   * (initial, manual refresh, reconnect, epoch, beacon) needs the source itself.
   */
  reason?: RefreshReason;
}

export interface SnapshotProvider<T> {
  getSnapshot(context?: SnapshotContext): Promise<SnapshotEnvelope<T>>;
}

/** A provider that may answer synchronously (see `RevisionSyncOptions.provider`). */
export interface SyncSnapshotProvider<T> {
  getSnapshot(context?: SnapshotContext): SnapshotEnvelope<T> | PromiseLike<SnapshotEnvelope<T>>;
}

export interface SnapshotApplier<T> {
  apply(envelope: SnapshotEnvelope<T>): void | Promise<void>;
}

export type SyncStatus = 'idle' | 'syncing' | 'synced' | 'offline' | 'error' | 'stopped';

export interface StatusInfo {
  reason?: RefreshReason;
  error?: unknown;
}

export type StatusListener = (status: SyncStatus, info: StatusInfo) => void;

/** Told of every snapshot applied, after the applier: `getLocalRevision()` is already its revision. */
export type ApplyListener<T = unknown> = (
  envelope: SnapshotEnvelope<T>,
  reason: RefreshReason,
) => void;

export type SyncPhase = 'subscribe' | 'getSnapshot' | 'protocol' | 'apply' | 'refresh';

export interface SyncErrorContext {
  phase: SyncPhase;
  topic: string;
  error: unknown;
  /** The raw payload that was rejected, for `protocol` errors. */
  sourceEvent?: unknown;
  reason?: RefreshReason;
}

export interface RevisionSyncOptions<T> {
  topic: string;
  subscriber: InvalidationSubscriber;
  /**
   * A SnapshotProvider, or one whose getSnapshot may return the envelope itself when it already
   * holds the answer (pushed state): the engine then applies it without a microtask hop.
   */
  provider: SnapshotProvider<T> | SyncSnapshotProvider<T>;
  /** Puts a snapshot into your state; a plain function works too. */
  applier: SnapshotApplier<T> | ((envelope: SnapshotEnvelope<T>) => void | Promise<void>);
  logger?: Logger;
  onError?: (context: SyncErrorContext) => void;
  /** Return false to ignore a (valid) invalidation, e.g. one carrying your own `sourceId`. */
  shouldRefresh?: (event: InvalidationEvent) => boolean;
  /** Any Standard Schema validator (zod, valibot, …). Rejected data is never applied. */
  schema?: StandardSchemaV1<unknown, T>;
}

export interface SyncMetrics {
  /** Payloads received from the subscriber, valid or not. */
  events: number;
  /** Valid invalidations that cost nothing: other topic, not newer, or filtered by shouldRefresh. */
  ignored: number;
  fetches: number;
  applied: number;
  /** Snapshots fetched but not newer than what was applied. */
  stale: number;
  /** Errors reported through onError, one counter per phase. */
  subscribeErrors: number;
  getSnapshotErrors: number;
  protocolErrors: number;
  applyErrors: number;
  refreshErrors: number;
}

export interface RevisionSyncHandle<T = unknown> {
  /** Subscribes, then pulls a snapshot. Rejects only if subscribing fails (and then cleans up). */
  start(): Promise<void>;
  /** Unsubscribes; nothing is applied afterwards and pending refresh() calls reject with `stopped`. */
  stop(): void;
  /** Resolves once a snapshot fetched after this call was applied (or found not newer). */
  refresh(): Promise<void>;
  /** The applied revision; inside the applier (and store listeners it triggers), the new one. */
  getLocalRevision(): Revision;
  getEpoch(): string | undefined;
  /**
   * What was applied last (its revision, epoch and data: the object the applier was given), or
   * undefined before the first apply; inside the applier, the snapshot being applied. Transports
   * read it as the base of a delta.
   */
  getApplied(): SnapshotEnvelope<T> | undefined;
  getStatus(): SyncStatus;
  onStatus(listener: StatusListener): () => void;
  /** Calls `listener` after each snapshot is applied; returns its unsubscribe. */
  onApply(listener: ApplyListener<T>): () => void;
  getMetrics(): SyncMetrics;
}
