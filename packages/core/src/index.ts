export { createRevisionSync } from './engine';
export { StateSyncError, isStateSyncError, type StateSyncErrorCode } from './errors';
export { createConsoleLogger, noopLogger, type ConsoleLoggerOptions, type Logger } from './logger';
export { createMemoryTransport, type MemoryTransport } from './memory-transport';
export {
  MAX_REVISION,
  ZERO_REVISION,
  assertRevision,
  compareRevisions,
  isRevision,
  nextRevision,
  type Revision,
} from './revision';
export {
  createMemoryStore,
  createSource,
  randomId,
  type Source,
  type SourceOptions,
  type SourceStore,
  type SourceTopic,
  type TopicRecord,
  type WriteMeta,
} from './source';
export type { StandardSchemaV1 } from './standard-schema';
export type {
  InvalidationEvent,
  InvalidationSubscriber,
  RefreshReason,
  ResyncEvent,
  RevisionSyncHandle,
  RevisionSyncOptions,
  SnapshotApplier,
  SnapshotContext,
  SnapshotEnvelope,
  SnapshotProvider,
  StatusInfo,
  StatusListener,
  SyncErrorContext,
  SyncMetrics,
  SyncPhase,
  SyncStatus,
} from './types';
export { retryDelay, withRetry, type RetryPolicy } from './with-retry';
